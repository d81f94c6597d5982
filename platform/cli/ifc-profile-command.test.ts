import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerIfcCommands } from './ifc-command.js';
import { registerIfcProfileCommands } from './ifc-profile-command.js';
import type { CliIo } from './io.js';
import { captureIo } from './test-helpers.js';

/** `switchboard …` with the ifc commands registered in the order platform/cli/main.ts should use. */
async function run(argv: string[], io: CliIo): Promise<number> {
  const program = new Command('switchboard').exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  let status = 0;
  const setStatus = (code: number): void => {
    status = code;
  };
  registerIfcCommands(program, io, setStatus);
  registerIfcProfileCommands(program, io, setStatus);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return status;
}

const PROFILE = `<IMSSubscription><PrivateID>alice@sb.test</PrivateID><ServiceProfile>
<PublicIdentity><Identity>sip:alice@sb.test</Identity></PublicIdentity>
<InitialFilterCriteria><Priority>0</Priority><ApplicationServer><ServerName>sip:as.example.net</ServerName></ApplicationServer></InitialFilterCriteria>
</ServiceProfile></IMSSubscription>`;

describe('switchboard ifc profile put|get|rm', () => {
  let dataDir: string;
  let file: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-ifc-profile-'));
    file = join(dataDir, 'alice.xml');
    writeFileSync(file, PROFILE);
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stores, replaces, prints and removes a profile under --data-dir', async () => {
    let io = captureIo();
    expect(await run(['ifc', 'profile', 'put', 'alice@SB.test', file, '--data-dir', dataDir], io)).toBe(0);
    expect(io.out).toBe('stored the service profile of alice@sb.test (version 1, 1 iFC)\n');
    io = captureIo();
    expect(await run(['ifc', 'profile', 'put', 'sip:alice@sb.test', file, '--data-dir', dataDir], io)).toBe(0);
    expect(io.out).toContain('replaced the service profile of alice@sb.test (version 2');
    io = captureIo();
    expect(await run(['ifc', 'profile', 'get', 'alice@sb.test', '--data-dir', dataDir], io)).toBe(0);
    expect(io.out).toBe(`${PROFILE}\n`);
    io = captureIo();
    expect(await run(['ifc', 'profile', 'rm', 'alice@sb.test', '--data-dir', dataDir], io)).toBe(0);
    io = captureIo();
    expect(await run(['ifc', 'profile', 'get', 'alice@sb.test', '--data-dir', dataDir], io)).toBe(1);
    expect(io.err).toBe('error: alice@sb.test has no service profile\n');
  });

  it('refuses an invalid profile and one that does not list the user; the stored one stays', async () => {
    expect(await run(['ifc', 'profile', 'put', 'alice@sb.test', file, '--data-dir', dataDir], captureIo())).toBe(0);
    const bad = join(dataDir, 'bad.xml');
    writeFileSync(bad, '<IMSSubscription><ServiceProfile>');
    let io = captureIo();
    expect(await run(['ifc', 'profile', 'put', 'alice@sb.test', bad, '--data-dir', dataDir], io)).toBe(1);
    expect(io.err).toContain('rejected; the previous profile of alice@sb.test, if any, stays active');
    io = captureIo();
    expect(await run(['ifc', 'profile', 'put', 'bob@sb.test', file, '--data-dir', dataDir], io)).toBe(1);
    expect(io.err).toContain('no ServiceProfile lists sip:bob@sb.test');
    io = captureIo();
    expect(await run(['ifc', 'profile', 'get', 'alice@sb.test', '--data-dir', dataDir], io)).toBe(0);
    expect(io.out).toBe(`${PROFILE}\n`);
  });
});
