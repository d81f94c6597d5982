import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { flow, inbound, nextTurn, request, response } from './test-support.js';
import type { TraceClock } from './trace-clock.js';
import { openTraceStore, type TraceStore } from './trace-store.js';
import { Tracer, type TracerOptions } from './tracer.js';

describe('Tracer', () => {
  let dataDir: string;
  let now: number;
  let mono: number;
  let server: TraceStore;
  let cli: TraceStore;
  let tracer: Tracer;
  const clock: TraceClock = { monoUs: () => mono, wallUs: (us) => 1_700_000_000_000_000 + us };
  const make = (options: Partial<TracerOptions> = {}): Tracer => {
    tracer?.close();
    tracer = new Tracer({ store: server, logger: silentLogger, now: () => now, clock, ...options });
    tracer.start();
    return tracer;
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tracer-'));
    now = 1_000_000;
    mono = 5_000;
    // Two connections to one file, as the server and the CLI have.
    server = openTraceStore({ dataDir, logger: silentLogger, clock: () => now });
    cli = openTraceStore({ dataDir, logger: silentLogger, clock: () => now });
    make();
  });
  afterEach(() => {
    tracer.close();
    server.close();
    cli.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is off without rules, and records nothing', async () => {
    expect(tracer.enabled).toBe(false);
    tracer.recordInbound(inbound(request('INVITE', { callId: 'c1' })));
    await nextTurn();
    expect(server.calls()).toEqual([]);
  });

  it('traces every message of a call whose initial request names the user, and no other call', async () => {
    cli.addRule({ kind: 'user', target: 'alice@sb.test' }, 60_000);
    tracer.poll();
    expect(tracer.enabled).toBe(true);
    const invite = request('INVITE', { callId: 'c1', from: 'alice@sb.test', extra: ['Authorization: Digest username="alice", response="feedface"'] });
    tracer.recordInbound(inbound(invite));
    mono += 1500;
    tracer.recordOutbound(response(180, invite), flow, mono);
    mono += 250;
    tracer.recordInbound(inbound(request('BYE', { callId: 'c1', toTag: 'to1' })));
    // carol calls dave: not traced; an in-dialog request of an unknown call starts nothing.
    tracer.recordInbound(inbound(request('INVITE', { callId: 'c2', from: 'carol@sb.test', to: 'dave@sb.test' })));
    tracer.recordInbound(inbound(request('INFO', { callId: 'c3', from: 'alice@sb.test', toTag: 'x' })));
    await nextTurn();

    expect(cli.calls()).toEqual([
      { callId: 'c1', matched: 'user:alice@sb.test', firstLine: 'INVITE sip:bob@sb.test SIP/2.0', startedAt: 1_700_000_000_005, lastAt: 1_700_000_000_006, messageCount: 3, truncated: false },
    ]);
    const messages = cli.messages('c1');
    expect(messages.map((m) => [m.monoUs, m.direction, m.firstLine])).toEqual([
      [5000, 'in', 'INVITE sip:bob@sb.test SIP/2.0'],
      [6500, 'out', 'SIP/2.0 180 Whatever'],
      [6750, 'in', 'BYE sip:bob@sb.test SIP/2.0'],
    ]);
    expect(messages[0]).toMatchObject({ protocol: 'udp', local: '127.0.0.1:5060', remote: '127.0.0.1:5070', wallUs: 1_700_000_000_005_000 });
    expect(messages[0]?.text).toContain('Authorization: Digest username="alice", response="<redacted>"');
    expect(messages[0]?.text).not.toContain('feedface');
  });

  it('matches the user in To or the Request-URI too, and in outbound initial requests', async () => {
    cli.addRule({ kind: 'user', target: 'bob@sb.test' }, 60_000);
    tracer.poll();
    tracer.recordInbound(inbound(request('MESSAGE', { callId: 'to', from: 'carol@sb.test', to: 'bob@SB.TEST' })));
    tracer.recordInbound(inbound(request('OPTIONS', { callId: 'ruri', from: 'carol@sb.test', to: 'dave@sb.test', uri: 'sip:bob@sb.test;transport=udp' })));
    tracer.recordOutbound(request('INVITE', { callId: 'uac', from: 'carol@sb.test', to: 'bob@sb.test', uri: 'sip:bob@127.0.0.1:5090' }), flow, mono);
    tracer.recordInbound(inbound(request('INVITE', { callId: 'other', from: 'carol@sb.test', to: 'bobby@sb.test' })));
    await nextTurn();
    expect(cli.calls().map((call) => call.callId).sort()).toEqual(['ruri', 'to', 'uac']);
    expect(cli.messages('uac')[0]?.direction).toBe('out');
  });

  it('picks up rules switched on and off by another connection, and stops traced calls when off', async () => {
    expect(tracer.enabled).toBe(false);
    cli.addRule({ kind: 'user', target: 'alice@sb.test' }, 60_000);
    tracer.poll();
    tracer.recordInbound(inbound(request('INVITE', { callId: 'c1' })));
    expect(tracer.tracedCalls).toBe(1);
    cli.removeRule({ kind: 'user', target: 'alice@sb.test' });
    tracer.poll();
    expect(tracer.enabled).toBe(false);
    expect(tracer.tracedCalls).toBe(0);
    await nextTurn();
    expect(cli.messages('c1')).toHaveLength(1);
  });

  it('switches a rule off by itself when it expires', () => {
    cli.addRule({ kind: 'user', target: 'alice@sb.test' }, 60_000);
    tracer.poll();
    expect(tracer.enabled).toBe(true);
    now += 59_999;
    tracer.poll();
    expect(tracer.enabled).toBe(true);
    now += 1;
    tracer.poll();
    expect(tracer.enabled).toBe(false);
    expect(cli.rules()).toEqual([]);
  });

  it('traces a call the app engine marks for a traced app, with the messages before the mark', async () => {
    cli.addRule({ kind: 'app', target: 'screening' }, 60_000);
    tracer.poll();
    const invite = request('INVITE', { callId: 'a1', from: 'carol@sb.test', to: 'dave@sb.test' });
    tracer.recordInbound(inbound(invite));
    mono += 100;
    tracer.recordOutbound(response(100, invite), flow, mono);
    tracer.recordInbound(inbound(request('INVITE', { callId: 'a2', from: 'carol@sb.test', to: 'dave@sb.test' })));
    expect(tracer.markCall('a1', { app: 'screening' })).toBe(true);
    expect(tracer.markCall('a2', { app: 'follow-me' })).toBe(false);
    // The B2BUA's other leg follows its first leg.
    tracer.recordOutbound(request('INVITE', { callId: 'a1-b', from: 'carol@sb.test', to: 'dave@sb.test' }), flow, mono + 10);
    expect(tracer.markCall('a1-b', { app: 'screening', linkedTo: 'a1' })).toBe(true);
    mono += 200;
    tracer.recordOutbound(response(200, invite), flow, mono);
    await nextTurn();
    expect(cli.calls().map((c) => [c.callId, c.matched, c.linkedTo, c.messageCount])).toEqual([
      ['a1-b', 'app:screening', 'a1', 1],
      ['a1', 'app:screening', undefined, 3],
    ]);
    expect(cli.messages('a1').map((m) => m.firstLine)).toEqual(['INVITE sip:dave@sb.test SIP/2.0', 'SIP/2.0 100 Whatever', 'SIP/2.0 200 Whatever']);
  });

  it('follows a B2BUA leg linked to a user-traced call, and nothing without a rule', () => {
    expect(tracer.markCall('x', { app: 'screening' })).toBe(false);
    cli.addRule({ kind: 'user', target: 'alice@sb.test' }, 60_000);
    tracer.poll();
    tracer.recordInbound(inbound(request('INVITE', { callId: 'leg-a' })));
    expect(tracer.markCall('leg-b', { linkedTo: 'leg-a' })).toBe(true);
    expect(tracer.markCall('leg-c', { linkedTo: 'nobody' })).toBe(false);
    expect(tracer.tracedCalls).toBe(2);
  });

  it('keeps at most maxMessagesPerCall messages per call and maxCalls calls', async () => {
    make({ maxMessagesPerCall: 2, maxCalls: 2 });
    cli.addRule({ kind: 'user', target: 'alice@sb.test' }, 60_000);
    tracer.poll();
    const invite = request('INVITE', { callId: 'c1' });
    for (let i = 0; i < 4; i++) tracer.recordInbound(inbound(invite));
    await nextTurn();
    expect(cli.call('c1')).toMatchObject({ messageCount: 2, truncated: true });
    expect(cli.messages('c1')).toHaveLength(2);
    for (const callId of ['c2', 'c3']) {
      now += 1000;
      mono += 1_000_000;
      tracer.recordInbound(inbound(request('INVITE', { callId })));
      await nextTurn();
    }
    expect(cli.calls().map((c) => c.callId)).toEqual(['c3', 'c2']);
    expect(cli.messages('c1')).toEqual([]);
  });

  it('forgets idle calls and unmarked pending requests', async () => {
    make({ idleMs: 1000, pendingMs: 500 });
    cli.addRule({ kind: 'user', target: 'alice@sb.test' }, 60_000);
    cli.addRule({ kind: 'app', target: 'screening' }, 60_000);
    tracer.poll();
    tracer.recordInbound(inbound(request('INVITE', { callId: 'c1' })));
    tracer.recordInbound(inbound(request('INVITE', { callId: 'p1', from: 'carol@sb.test', to: 'dave@sb.test' })));
    mono += 600_000;
    tracer.poll();
    expect(tracer.tracedCalls).toBe(1);
    // Marked too late: the call is traced from now on, its INVITE was let go.
    expect(tracer.markCall('p1', { app: 'screening' })).toBe(true);
    await nextTurn();
    expect(cli.messages('p1')).toEqual([]);
    mono += 1_200_000;
    tracer.poll();
    expect(tracer.tracedCalls).toBe(0);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new Tracer({ store: server, logger: silentLogger, maxCalls: 0 })).toThrow('trace: maxCalls must be a positive integer, got 0');
  });
});
