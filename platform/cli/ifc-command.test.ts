import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerIfcCommands } from './ifc-command.js';
import type { CliIo } from './io.js';
import { captureIo } from './test-helpers.js';

const fixtures = new URL('../isc/fixtures/', import.meta.url);
const profile = (name: string): string => new URL(`profiles/${name}`, fixtures).pathname;
const request = (name: string): string => new URL(`requests/${name}`, fixtures).pathname;

/** Runs `switchboard …` with only the ifc commands registered, wired as platform/cli/main.ts does. */
async function run(argv: string[], io: CliIo): Promise<number> {
  const program = new Command('switchboard')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError();
  let status = 0;
  registerIfcCommands(program, io, (code) => {
    status = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr(`error: ${(error as Error).message}\n`);
    return 1;
  }
  return status;
}

describe('switchboard ifc check', () => {
  it('prints which application servers fire, in order, and why', async () => {
    const io = captureIo();
    const status = await run(['ifc', 'check', profile('alice.xml'), '--request', request('invite-audio.sip'), '--session-case', '0'], io);
    expect(status).toBe(0);
    expect(io.err).toBe('');
    expect(io.out).toContain('Session case: 0 ORIGINATING_REGISTERED, served user registered');
    expect(io.out).toContain('Application servers that fire, in order (3 of 7 iFCs):');
    expect(io.out).toContain('  1. sip:mmtel-as.ims.example.com  (priority 10, DefaultHandling SESSION_CONTINUED, ServiceInfo "mmtel-orig")');
    expect(io.out).toContain('  2. sip:cnam-as.ims.example.com');
    expect(io.out).toContain('  3. sip:logging-as.ims.example.com');
    expect(io.out).toContain('SPT 2 (group 0): NOT (SIPHeader Privacy absent → false) → true');
  });

  it('prints a JSON array of the fired iFCs with --json', async () => {
    const io = captureIo();
    const status = await run(['ifc', 'check', profile('alice.xml'), '--request', request('subscribe-presence.sip'), '--session-case', '0', '--json'], io);
    expect(status).toBe(0);
    const fired = JSON.parse(io.out) as Array<{ priority: number; server: string; defaultHandling: string; serviceInfo: string | null }>;
    expect(fired.map((f) => [f.priority, f.server, f.defaultHandling, f.serviceInfo])).toEqual([
      [20, 'sip:presence-as.ims.example.com', 'SESSION_TERMINATED', null],
      [90, 'sip:logging-as.ims.example.com', 'SESSION_CONTINUED', 'log-everything'],
    ]);
  });

  it('takes the registration state from --unregistered for ORIGINATING_CDIV', async () => {
    const io = captureIo();
    const args = ['ifc', 'check', profile('session-cases.xml'), '--request', request('invite-audio.sip'), '--session-case', '4', '--unregistered', '--json'];
    expect(await run(args, io)).toBe(0);
    expect((JSON.parse(io.out) as Array<{ server: string }>).map((f) => f.server)).toEqual(['sip:orig-cdiv.example.com']);
  });

  it('refuses a session case outside 0-4 and a flag that contradicts it', async () => {
    const bad = captureIo();
    expect(await run(['ifc', 'check', profile('alice.xml'), '--request', request('invite-audio.sip'), '--session-case', '5'], bad)).toBe(1);
    expect(bad.err).toContain('--session-case must be a tDirectionOfRequest value 0-4');
    const word = captureIo();
    expect(await run(['ifc', 'check', profile('alice.xml'), '--request', request('invite-audio.sip'), '--session-case', 'orig'], word)).toBe(1);
    expect(word.err).toContain('--session-case must be a whole number, got "orig"');
    const contradiction = captureIo();
    expect(await run(['ifc', 'check', profile('alice.xml'), '--request', request('invite-audio.sip'), '--session-case', '1', '--unregistered'], contradiction)).toBe(1);
    expect(contradiction.err).toContain('--session-case 1 TERMINATING_REGISTERED is for a registered served user; it contradicts --unregistered');
    const both = captureIo();
    expect(await run(['ifc', 'check', profile('alice.xml'), '--request', request('invite-audio.sip'), '--session-case', '4', '--registered', '--unregistered'], both)).toBe(1);
    expect(both.err).toBe('error: --registered and --unregistered exclude each other\n');
  });

  it('requires --request and --session-case', async () => {
    const io = captureIo();
    expect(await run(['ifc', 'check', profile('alice.xml'), '--session-case', '0'], io)).toBe(1);
    expect(io.err).toContain("required option '--request <file>' not specified");
  });

  it('names the file, line and column of a profile problem, on standard error', async () => {
    const io = captureIo();
    const file = new URL('hostile/schema-invalid.xml', fixtures).pathname;
    expect(await run(['ifc', 'check', file, '--request', request('invite-audio.sip'), '--session-case', '0'], io)).toBe(1);
    expect(io.out).toBe('');
    expect(io.err).toMatch(new RegExp(`^error: ${file}:12:11: not a valid TS 29\\.228 user profile: <SessionCase>: `));
  });

  it('says when a file cannot be read', async () => {
    const io = captureIo();
    expect(await run(['ifc', 'check', '/nonexistent/profile.xml', '--request', request('invite-audio.sip'), '--session-case', '0'], io)).toBe(1);
    expect(io.err).toBe('error: cannot read /nonexistent/profile.xml: ENOENT\n');
  });

  it('reads a hand-written request with LF line ends and no Content-Length', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-ifc-'));
    const file = join(dir, 'invite.txt');
    writeFileSync(
      file,
      'INVITE sip:bob@ims.example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nMax-Forwards: 70\nFrom: <sip:alice@ims.example.com>;tag=1\n' +
        'To: <sip:bob@ims.example.com>\nCall-ID: c1\nCSeq: 1 INVITE\nContent-Type: application/sdp\n\nv=0\nm=video 5000 RTP/AVP 99\n',
    );
    const io = captureIo();
    expect(await run(['ifc', 'check', profile('alice.xml'), '--request', file, '--session-case', '0'], io)).toBe(0);
    expect(io.out).toContain('line ends converted from LF to CRLF');
    expect(io.out).toContain('Content-Length added: 30');
    expect(io.out).toMatch(/\d\. sip:video-as\.ims\.example\.com/);
  });
});
