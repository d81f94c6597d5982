import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { openTraceStore, type TraceMessage } from '../trace/index.js';
import type { CliIo } from './io.js';
import { captureIo } from './test-helpers.js';
import { registerTraceCommands } from './trace-command.js';

/** Runs `switchboard …` with only the trace commands registered, wired as platform/cli/main.ts does. */
async function run(argv: string[], io: CliIo): Promise<number> {
  const program = new Command('switchboard')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError();
  let status = 0;
  registerTraceCommands(program, io, (code) => {
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

const message = (monoUs: number, direction: 'in' | 'out', firstLine: string, remote: string): TraceMessage => ({
  callId: 'call-1@client',
  monoUs,
  wallUs: Date.UTC(2026, 11, 3, 9, 0, 0) * 1000 + monoUs,
  direction,
  protocol: 'udp',
  local: '127.0.0.1:5060',
  remote,
  firstLine,
  text: `${firstLine}\r\nCall-ID: call-1@client\r\nContent-Length: 0\r\n\r\n`,
});

describe('switchboard trace', () => {
  let dataDir: string;
  const sb = async (...args: string[]): Promise<{ status: number; out: string; err: string }> => {
    const io = captureIo();
    const status = await run(['trace', ...args, '--data-dir', dataDir], io);
    return { status, out: io.out, err: io.err };
  };
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'trace-cli-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('switches rules on, lists them, renews and switches them off', async () => {
    const on = await sb('on', '--user', 'sip:alice@SB.test', '--for', '30m');
    expect(on).toMatchObject({ status: 0, err: '' });
    expect(on.out).toMatch(/^tracing user:alice@sb\.test until \d{4}-\d\d-\d\dT[\d:.]+Z\n$/u);
    expect((await sb('on', '--app', 'call-screening')).status).toBe(0);
    const rules = await sb('rules');
    expect(rules.out).toMatch(/^app:call-screening\s+until .+ \((59m|1h00m) left\)\nuser:alice@sb\.test\s+until .+ \((29|30)m left\)\n$/u);
    const json = JSON.parse((await sb('rules', '--json')).out) as Array<{ kind: string; target: string; expiresAt: string }>;
    expect(json.map((r) => `${r.kind}:${r.target}`)).toEqual(['app:call-screening', 'user:alice@sb.test']);
    const expiresIn = Date.parse(json[1]!.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(29 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(30 * 60_000);
    // Switching on again renews the expiry.
    expect((await sb('on', '--user', 'alice@sb.test', '--for', '2h')).status).toBe(0);
    expect((await sb('rules')).out).toMatch(/user:alice@sb\.test\s+until .+ \((1h59m|2h00m) left\)\n$/u);

    expect(await sb('off', '--user', 'alice@sb.test')).toEqual({ status: 0, out: 'stopped tracing user:alice@sb.test\n', err: '' });
    expect(await sb('off', '--user', 'alice@sb.test')).toEqual({ status: 1, out: '', err: 'error: no trace rule is on for user:alice@sb.test\n' });
    expect(await sb('off', '--all')).toEqual({ status: 0, out: 'switched 1 trace rule off\n', err: '' });
    expect((await sb('rules')).out).toBe('No trace rules are on.\n');
  });

  it('refuses bad input with a clear message', async () => {
    expect(await sb('on')).toEqual({ status: 1, out: '', err: 'error: name exactly one: a user (user@domain) or an app (its name)\n' });
    expect((await sb('on', '--user', 'alice')).err).toBe('error: "alice" is not an address-of-record of the form user@domain\n');
    expect((await sb('on', '--user', 'alice@sb.test', '--for', '2')).err).toContain('error: "2" is not a duration');
    expect((await sb('on', '--user', 'alice@sb.test', '--for', '48h')).err).toContain('longer than the maximum of 24h');
    expect((await sb('on', '--app', 'Bad Name')).err).toContain('is not an app name');
    expect((await sb('off', '--all', '--app', 'x')).status).toBe(1);
    expect((await sb('list', '--limit', '0')).err).toContain('--limit must be a whole number from 1 to 10000, got "0"');
    expect(await sb('show', 'nope')).toEqual({ status: 1, out: '', err: 'error: no traced call has Call-ID "nope" (see switchboard trace list)\n' });
  });

  it('lists traced calls and shows a ladder, whole messages, or JSON', async () => {
    const store = openTraceStore({ dataDir, logger: silentLogger });
    const messages = [
      message(1_000, 'in', 'INVITE sip:bob@sb.test SIP/2.0', '127.0.0.1:5070'),
      message(1_250, 'out', 'INVITE sip:bob@127.0.0.1:5080 SIP/2.0', '127.0.0.1:5080'),
      message(13_500, 'in', 'SIP/2.0 180 Ringing', '127.0.0.1:5080'),
    ];
    const startedAt = Date.UTC(2026, 11, 3, 9, 0, 0);
    store.write([{ callId: 'call-1@client', matched: 'user:bob@sb.test', firstLine: messages[0]!.firstLine, startedAt, lastAt: startedAt, added: 3, truncated: false }], messages, 1000);
    store.close();

    const list = await sb('list');
    expect(list.out).toBe(
      'STARTED                   MSGS  RULE              CALL-ID        FIRST REQUEST\n' +
        '2026-12-03T09:00:00.000Z  3     user:bob@sb.test  call-1@client  INVITE sip:bob@sb.test SIP/2.0\n',
    );
    const show = await sb('show', 'call-1@client');
    expect(show.out).toBe(
      'Call-ID call-1@client  (user:bob@sb.test; 3 messages; started 2026-12-03T09:00:00.000Z)\n' +
        ' +0.000 ms  ◄── in  udp 127.0.0.1:5070 → 127.0.0.1:5060  INVITE sip:bob@sb.test SIP/2.0\n' +
        ' +0.250 ms  ──► out udp 127.0.0.1:5060 → 127.0.0.1:5080  INVITE sip:bob@127.0.0.1:5080 SIP/2.0\n' +
        '+12.500 ms  ◄── in  udp 127.0.0.1:5080 → 127.0.0.1:5060  SIP/2.0 180 Ringing\n',
    );
    const full = await sb('show', 'call-1@client', '--full');
    expect(full.out).toContain('SIP/2.0 180 Ringing\n\n    SIP/2.0 180 Ringing\n    Call-ID: call-1@client\n    Content-Length: 0\n');
    const json = JSON.parse((await sb('show', 'call-1@client', '--json')).out) as { call: { messageCount: number }; messages: Array<{ offsetUs: number; time: string; direction: string }> };
    expect(json.call.messageCount).toBe(3);
    expect(json.messages.map((m) => [m.offsetUs, m.direction])).toEqual([[0, 'in'], [250, 'out'], [12_500, 'in']]);
    expect(json.messages[1]?.time).toBe('2026-12-03T09:00:00.001250Z');
    expect((await sb('clear')).out).toBe('deleted 1 traced call\n');
    expect((await sb('list')).out).toBe('No traced calls.\n');
  });
});
