import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { openCplStore } from '../store/cpl-store.js';
import { registerCplCommands } from './cpl-command.js';
import type { CliIo } from './io.js';
import { captureIo } from './test-helpers.js';

const fixture = (path: string): string => new URL(`../../cpl/fixtures/${path}`, import.meta.url).pathname;


/** `switchboard …` with only the cpl commands registered, wired as platform/cli/main.ts does. */
async function run(argv: string[], io: CliIo): Promise<number> {
  const program = new Command('switchboard').exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  let status = 0;
  registerCplCommands(program, io, (code) => {
    status = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return status;
}

describe('switchboard cpl put|get|rm|log', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cpl-cli-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stores, replaces, prints and removes a script in the store under --data-dir', async () => {
    const file = fixture('rfc3880/fig20-call-forward-busy-noanswer.cpl');
    let io = captureIo();
    expect(await run(['cpl', 'put', 'bob@sb.test', file, '--data-dir', dataDir], io)).toBe(0);
    expect(io.out).toBe('stored the CPL script of bob@sb.test (version 1, 462 bytes)\n'.replace('462', String(Buffer.byteLength(readFileSync(file)))));
    io = captureIo(readFileSync(fixture('rfc3880/fig22-call-screening.cpl'), 'utf8'));
    expect(await run(['cpl', 'put', 'sip:bob@SB.test', '-', '--data-dir', dataDir], io)).toBe(0);
    expect(io.out).toMatch(/^replaced the CPL script of bob@sb\.test \(version 2,/u);

    io = captureIo();
    expect(await run(['cpl', 'get', 'bob@sb.test', '--data-dir', dataDir], io)).toBe(0);
    expect(io.out).toBe(readFileSync(fixture('rfc3880/fig22-call-screening.cpl'), 'utf8'));

    // Another connection (the server) sees it.
    const store = openCplStore({ dataDir, logger: silentLogger });
    expect((await store.scripts.head('bob@sb.test'))?.version).toBe(2);
    store.close();

    io = captureIo();
    expect(await run(['cpl', 'rm', 'bob@sb.test', '--data-dir', dataDir], io)).toBe(0);
    expect(io.out).toBe('removed the CPL script of bob@sb.test\n');
    io = captureIo();
    expect(await run(['cpl', 'get', 'bob@sb.test', '--data-dir', dataDir], io)).toBe(1);
    expect(io.err).toBe('error: bob@sb.test has no CPL script\n');
  });

  it('rejects a bad script with file:line:column, rule and message; the previous script stays', async () => {
    const good = fixture('rfc3880/fig22-call-screening.cpl');
    expect(await run(['cpl', 'put', 'bob@sb.test', good, '--data-dir', dataDir], captureIo())).toBe(0);
    const bad = fixture('hostile/sub-self-recursion.cpl');
    const io = captureIo();
    expect(await run(['cpl', 'put', 'bob@sb.test', bad, '--data-dir', dataDir], io)).toBe(1);
    expect(io.err).toMatch(new RegExp(`^${bad}:4:\\d+: error: \\[sub-self-reference\\] `, 'mu'));
    expect(io.err).toMatch(/previous script of bob@sb\.test, if any, stays active/u);
    const get = captureIo();
    await run(['cpl', 'get', 'bob@sb.test', '--data-dir', dataDir], get);
    expect(get.out).toBe(readFileSync(good, 'utf8'));
  });

  it('prints log entries newest first', async () => {
    const store = openCplStore({ dataDir, logger: silentLogger });
    await store.logs.append({ aor: 'bob@sb.test', time: Date.UTC(2026, 11, 3), name: 'calls', comment: 'hello', origin: 'sip:a@b', destination: 'sip:bob@sb.test', callId: null });
    store.close();
    const io = captureIo();
    expect(await run(['cpl', 'log', 'bob@sb.test', '--data-dir', dataDir], io)).toBe(0);
    expect(io.out).toBe('2026-12-03T00:00:00.000Z calls sip:a@b → sip:bob@sb.test: hello\n');
  });
});

describe('switchboard cpl validate|simulate', () => {
  it('validate: "valid" for an RFC example, problems with positions and exit 1 for a hostile one', async () => {
    const ok = captureIo();
    expect(await run(['cpl', 'validate', fixture('rfc3880/fig25-time-of-day-routing.cpl')], ok)).toBe(0);
    expect(ok.out).toMatch(/: valid/u);
    const bad = captureIo();
    expect(await run(['cpl', 'validate', fixture('hostile/billion-laughs.cpl'), '--json'], bad)).toBe(1);
    const json = JSON.parse(bad.out) as { valid: boolean; problems: Array<{ line: number; rule: string }> };
    expect(json.valid).toBe(false);
    expect(json.problems[0]?.rule).toMatch(/^xml-/u);
  });

  it('simulate explains busy → voicemail in words, and as JSON', async () => {
    const args = ['cpl', 'simulate', fixture('rfc3880/fig20-call-forward-busy-noanswer.cpl'), '--from', '"Caller" <sip:caller@example.org>', '--to', '<sip:jones@example.com>', '--time', '2026-12-03T10:00:00Z', '--outcome', 'sip:jones@jonespc.example.com=486', '--outcome', 'sip:jones@voicemail.example.com=200'];
    const text = captureIo();
    expect(await run(args, text)).toBe(0);
    expect(text.out).toMatch(/486 Busy Here/u);
    expect(text.out).toMatch(/sip:jones@voicemail\.example\.com/u);
    expect(text.out).toMatch(/^Decision: /mu);
    const json = captureIo();
    expect(await run([...args, '--json'], json)).toBe(0);
    const sim = JSON.parse(json.out) as { actions: Array<{ kind: string; result: string }>; decision: { kind: string } };
    expect(sim.actions.map((a) => a.result)).toEqual(['486 Busy Here', '200 OK']);
    expect(sim.decision.kind).toBe('proceed');
  });

  it('simulate: direction, headers, noanswer and 302 outcomes, time-of-day', async () => {
    const outgoing = captureIo();
    expect(await run(['cpl', 'simulate', fixture('rfc3880/fig24-outgoing-call-screening.cpl'), '--direction', 'outgoing', '--from', '<sip:jones@example.com>', '--request-uri', 'tel:1-900-555-1212', '--json'], outgoing)).toBe(0);
    expect(JSON.parse(outgoing.out).decision).toMatchObject({ kind: 'reject', status: 603 });

    const weekend = captureIo();
    expect(await run(['cpl', 'simulate', fixture('rfc3880/fig25-time-of-day-routing.cpl'), '--to', '<sip:jones@example.com>', '--time', '2026-12-05T15:00:00Z', '--outcome', '*=noanswer', '--json'], weekend)).toBe(0);
    expect(JSON.stringify(JSON.parse(weekend.out).actions)).toContain('sip:jones@voicemail.example.com');

    const redirected = captureIo();
    expect(await run(['cpl', 'simulate', fixture('rfc3880/fig23-priority-language-routing.cpl'), '--to', '<sip:jones@example.com>', '--header', 'Accept-Language: es', '--outcome', '*=302:sip:c@d', '--json'], redirected)).toBe(0);
    expect(JSON.stringify(JSON.parse(redirected.out).actions)).toContain('spanish');
  });

  it('simulate: clear errors for bad flags', async () => {
    const io = captureIo();
    expect(await run(['cpl', 'simulate', fixture('rfc3880/fig20-call-forward-busy-noanswer.cpl'), '--to', '<sip:jones@example.com>', '--outcome', 'nonsense'], io)).toBe(1);
    expect(io.err).toBe('error: --outcome "nonsense" is not TARGET=RESULT (e.g. sip:a@b=486)\n');
    const dir = captureIo();
    expect(await run(['cpl', 'simulate', fixture('rfc3880/fig20-call-forward-busy-noanswer.cpl'), '--direction', 'sideways', '--to', '<sip:a@b>'], dir)).toBe(1);
    expect(dir.err).toMatch(/--direction must be incoming or outgoing/u);
    const missing = captureIo();
    expect(await run(['cpl', 'validate', '/nonexistent.cpl'], missing)).toBe(1);
    expect(missing.err).toBe('error: cannot read /nonexistent.cpl: no such file\n');
  });
});

describe('switchboard cpl put writes what a script file says', () => {
  it('round-trips a script given on standard input byte for byte', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cpl-cli-'));
    const xml = '<?xml version="1.0"?>\n<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><reject status="486" reason="Très occupé"/></incoming></cpl>\n';
    const path = join(dataDir, 'busy.cpl');
    writeFileSync(path, xml);
    expect(await run(['cpl', 'put', 'bob@sb.test', path, '--data-dir', dataDir], captureIo())).toBe(0);
    const io = captureIo();
    await run(['cpl', 'get', 'bob@sb.test', '--data-dir', dataDir, '--json'], io);
    expect(JSON.parse(io.out)).toMatchObject({ version: 1, script: xml });
    rmSync(dataDir, { recursive: true, force: true });
  });
});
