import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { TransportLayer } from '../transport/transport-layer.js';
import type { InboundMessage } from '../transport/types.js';
import { request, response } from './test-support.js';
import { traceInbound, traceSender } from './trace-hooks.js';
import { openTraceStore, type TraceStore } from './trace-store.js';
import { Tracer } from './tracer.js';

const until = async (probe: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!probe()) throw new Error('timed out');
};

/** Two real UDP transports on loopback: `a` sends through the traced sender, `b` receives
 *  through the traced handler; both feed one tracer (as one server's two directions would). */
describe('trace hooks on real transports', () => {
  let dataDir: string;
  let store: TraceStore;
  let tracer: Tracer;
  let a: TransportLayer;
  let b: TransportLayer;
  const delivered: InboundMessage[] = [];

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'trace-hooks-'));
    store = openTraceStore({ dataDir, logger: silentLogger });
    tracer = new Tracer({ store, logger: silentLogger });
    tracer.start();
    a = new TransportLayer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }], logger: silentLogger });
    b = new TransportLayer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }], logger: silentLogger });
    a.onMessage(() => undefined);
    b.onMessage(traceInbound(tracer, (inbound) => void delivered.push(inbound)));
    await Promise.all([a.start(), b.start()]);
  });
  afterEach(async () => {
    delivered.length = 0;
    await Promise.all([a.stop(), b.stop()]);
    tracer.close();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('passes everything through untouched while no rule is on', async () => {
    const sender = traceSender(tracer, a);
    expect(sender.isReliable('tcp')).toBe(true);
    await sender.sendRequest(request('INVITE', { callId: 'h0' }), { protocol: 'udp', address: '127.0.0.1', port: b.listeners[0]!.port });
    await until(() => delivered.length === 1);
    expect(delivered[0]?.message.callId).toBe('h0');
    expect(store.calls()).toEqual([]);
  });

  it('records what was sent (after the transport filled the Via) and what arrived, with both flows', async () => {
    store.addRule({ kind: 'user', target: 'bob@sb.test' }, 60_000);
    tracer.poll();
    const sender = traceSender(tracer, a);
    const invite = request('INVITE', { callId: 'h1' });
    invite.setHeader('Via', 'SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-h1');
    const portA = a.listeners[0]!.port;
    const portB = b.listeners[0]!.port;
    const sent = await sender.sendRequest(invite, { protocol: 'udp', address: '127.0.0.1', port: portB });
    expect(sent.remote.port).toBe(portB);
    await until(() => delivered.length === 1);
    // A send that fails is not recorded: nothing went on the wire.
    const orphan = response(200, request('INVITE', { callId: 'h1' }));
    orphan.removeHeader('Via');
    await expect(sender.sendResponse(orphan)).rejects.toThrow();
    await until(() => store.messages('h1').length === 2);
    const [out, inb] = store.messages('h1');
    expect(out).toMatchObject({ direction: 'out', protocol: 'udp', local: `127.0.0.1:${portA}`, remote: `127.0.0.1:${portB}` });
    expect(out?.text).toContain(`Via: SIP/2.0/UDP 127.0.0.1:${portA};branch=z9hG4bK-h1`);
    expect(inb).toMatchObject({ direction: 'in', local: `127.0.0.1:${portB}`, remote: `127.0.0.1:${portA}`, firstLine: 'INVITE sip:bob@sb.test SIP/2.0' });
    expect(inb!.monoUs).toBeGreaterThanOrEqual(out!.monoUs);
  });
});
