/**
 * `ctx.uac.invite` end to end over real UDP on 127.0.0.1 and a real sandbox: an app calls a user
 * of ours through the server's own UA core (the in-process registrar + proxy of test/support) and
 * the user's phone — a small UAS on the transaction layer — answers. The INVITE carries the app's
 * offer to the registered contact; the 2xx is ACKed and resumes the app with the call; the phone's
 * BYE and the app's `ctx.calls.terminate` both end in `onCallEnded`; a 486 gives no call; a phone
 * that only rings is CANCELled after `timeoutMs` and the app gets a local 408.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppRuntime } from '../../container/index.js';
import { buildApp, removeAppFolders } from '../../container/test-support.js';
import { silentLogger } from '../../log/logger.js';
import { createParams, createRequest, createResponse, formatNameAddr, formatUri, generateBranch, generateTag, type SipRequest } from '../../sip/index.js';
import type { InviteServerTransaction } from '../../transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from '../../transaction/non-invite-server-transaction.js';
import { TransactionLayer } from '../../transaction/transaction-layer.js';
import type { ServerTransaction, TransactionUser } from '../../transaction/transaction-user.js';
import { TransportLayer } from '../../transport/transport-layer.js';
import { freePort } from '../../../test/support/ports.js';
import { startProxyServer, type ProxyServer } from '../../../test/support/proxy-server.js';
import { TestUa } from '../../../test/support/test-ua.js';
import { createAppEngine, type AppEngine } from './app-engine.js';
import { CallRegistry } from './call-registry.js';
import { capabilityProviders, createCapabilityContainer } from './capability-bindings.js';
import { createMemoryKv, type KvBackend } from './kv-store.js';

const SDK = new URL('../index.ts', import.meta.url).pathname;
const OFFER = 'v=0\r\no=app 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n';
const ANSWER = 'v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 8000 RTP/AVP 0\r\n';

const APP = `import { defineApp } from ${JSON.stringify(SDK)};
export default defineApp({
  events: {
    async call(event, ctx) {
      const { uri, timeoutMs } = event.payload;
      const res = await ctx.uac.invite({ uri, body: ${JSON.stringify(OFFER)}, headers: [{ name: 'X-Dialer', value: 'yes' }], ...(timeoutMs ? { timeoutMs } : {}) });
      // Resumed in a later event of this session: ctx is that event's.
      if (res.call) ctx.session.set('call', res.call);
      await ctx.kv.set('answer', { status: res.status, reason: res.reason, timedOut: res.timedOut, body: res.body ?? null, call: res.call ?? null });
    },
    async hangup(event, ctx) {
      return { ended: await ctx.calls.terminate(event.payload.call) };
    },
  },
  async onCallEnded(call, end, ctx) {
    await ctx.kv.set('ended', { call, by: end.by, reason: end.reason, same: ctx.session.get('call')?.id === call.id });
  },
});`;

/** bob's phone: answers INVITEs as `mode` says, records what it gets, hangs up on request. */
class Phone implements TransactionUser {
  mode: 'answer' | 'busy' | 'ring' = 'answer';
  readonly got: Array<{ method: string; request: SipRequest }> = [];
  port = 0;
  #transport: TransportLayer | undefined;
  #transactions: TransactionLayer | undefined;
  #dialog: { invite: SipRequest; toTag: string } | undefined;

  get contact(): string {
    return `sip:bob@127.0.0.1:${this.port}`;
  }

  methods(): string[] {
    return this.got.map((entry) => entry.method);
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.#transport = new TransportLayer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: this.port }], logger: silentLogger });
    this.#transactions = new TransactionLayer({ sender: this.#transport, logger: silentLogger, user: this });
    this.#transport.onMessage(this.#transactions.handleInbound);
    await this.#transport.start();
  }

  async stop(): Promise<void> {
    await this.#transport?.stop();
    this.#transactions?.close();
  }

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    this.got.push({ method: request.method, request });
    if (request.method !== 'INVITE') return transaction.respond(createResponse(request, 200, 'OK'));
    const toTag = generateTag();
    const contact = [{ name: 'Contact', value: `<${this.contact}>` }];
    if (this.mode === 'busy') return transaction.respond(createResponse(request, 486, 'Busy Here', { toTag }));
    transaction.respond(createResponse(request, 180, 'Ringing', { toTag, headers: contact }));
    if (this.mode === 'ring') return;
    this.#dialog = { invite: request, toTag };
    transaction.respond(createResponse(request, 200, 'OK', { toTag, headers: contact, body: ANSWER, contentType: 'application/sdp' }));
  }

  onAck2xx(ack: SipRequest): void {
    this.got.push({ method: 'ACK', request: ack });
  }

  onCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    this.got.push({ method: 'CANCEL', request: cancel });
    cancelTransaction.respond(createResponse(cancel, 200, 'OK'));
    if (invite !== undefined && invite.finalResponse === undefined) invite.respond(createResponse(invite.request, 487, 'Request Terminated'));
  }

  onStrayResponse(): void {
    // dropped (RFC 6026 §7.2)
  }

  /** §15.1.1: BYE from the callee's side of the dialog — to the caller's Contact, From/To swapped. */
  bye(): Promise<number> {
    const dialog = this.#dialog;
    if (dialog === undefined || this.#transactions === undefined) throw new Error('no call to hang up');
    const target = dialog.invite.contacts;
    if (target === '*' || target[0] === undefined) throw new Error('the INVITE had no Contact');
    const uri = target[0].uri;
    const bye = createRequest({
      method: 'BYE',
      uri,
      headers: [
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `${formatNameAddr(dialog.invite.to)};tag=${dialog.toTag}` },
        { name: 'To', value: formatNameAddr(dialog.invite.from) },
        { name: 'Call-ID', value: dialog.invite.callId },
        { name: 'CSeq', value: '1 BYE' },
      ],
    });
    bye.pushVia({ protocol: 'SIP/2.0', transport: 'UDP', host: '127.0.0.1', hostIsIPv6: false, port: this.port, params: createParams([['branch', generateBranch()]]) });
    const port = uri.kind === 'sip' ? (uri.port ?? 5060) : 5060;
    const address = uri.kind === 'sip' ? uri.host : '127.0.0.1';
    return new Promise((resolve, reject) => {
      this.#transactions?.sendRequest(bye, { protocol: 'udp', address, port }, {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response.status);
        },
        onTimeout: () => reject(new Error(`BYE to ${formatUri(uri)} timed out`)),
        onTransportError: (error) => reject(error),
      });
    });
  }
}

describe('ctx.uac.invite over the real UA core', () => {
  let server: ProxyServer;
  let phone: Phone;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let kv: KvBackend;
  let registry: CallRegistry;

  beforeAll(async () => {
    server = await startProxyServer({ users: [{ username: 'bob', password: 'secret' }] });
    phone = new Phone();
    await phone.start();
    // bob registers his phone for real; the app must reach him there.
    const registrar = await new TestUa({ name: 'bob', proxy: { host: server.host, port: server.port }, domain: server.domain, password: 'secret' }).start();
    expect((await registrar.register({ contact: phone.contact })).status).toBe(200);
    await registrar.stop();
  });
  afterAll(async () => {
    await phone.stop();
    await server.stop();
  });

  beforeEach(async () => {
    phone.got.length = 0;
    phone.mode = 'answer';
    registry = new CallRegistry();
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv, calls: registry, host: { current: server.serviceHost } })) });
    engine = createAppEngine({ runtime, logger: silentLogger, calls: registry });
    await runtime.deploy(await buildApp(APP, { name: 'dialer', permissions: ['kv', 'uac', 'calls'] }));
  });
  afterEach(async () => {
    engine.close();
    await runtime.close();
    await removeAppFolders();
  });

  type Answer = { status: number; reason: string; timedOut: boolean; body: string | null; call: { id: string; target: string } | null };
  const answer = (): Answer | undefined => kv.get('dialer', 'answer') as Answer | undefined;

  /** Starts the call and waits for the app's answer. */
  async function call(payload: { uri: string; timeoutMs?: number }): Promise<Answer> {
    expect(await engine.deliverEvent('dialer', 'call', payload, { kind: 'admin' })).toEqual({ kind: 'ok', value: null });
    await vi.waitFor(() => expect(answer()).toBeDefined(), { timeout: 5000 });
    return answer()!;
  }

  it('calls a user of ours at the registered phone with the offer; the 2xx is ACKed and gives the call; the phone’s BYE ends it (onCallEnded, by callee)', async () => {
    const result = await call({ uri: 'sip:bob@sb.test' });
    expect(result).toMatchObject({ status: 200, reason: 'OK', timedOut: false, body: ANSWER, call: { target: 'sip:bob@sb.test' } });
    expect(result.call?.id).toMatch(/^uac:/u);

    const invite = phone.got.find((entry) => entry.method === 'INVITE')!.request;
    expect(formatUri(invite.uri)).toBe(phone.contact);
    expect(invite.getHeader('To')).toBe('<sip:bob@sb.test>');
    expect(invite.getHeader('From')).toMatch(/^<sip:dialer@sb\.test>;tag=/u);
    expect(invite.getHeader('X-Dialer')).toBe('yes');
    expect(invite.getHeader('Content-Type')).toBe('application/sdp');
    expect(invite.body.toString('utf8')).toBe(OFFER);
    await vi.waitFor(() => expect(phone.methods()).toContain('ACK'));
    expect(registry.count('dialer')).toBe(1);
    // The session that placed the call is held while the call is up.
    expect(runtime.status('dialer')?.sessions).toBe(1);

    expect(await phone.bye()).toBe(200);
    await vi.waitFor(() => expect(kv.get('dialer', 'ended')).toEqual({ call: result.call, by: 'callee', reason: 'remote-bye', same: true }));
    expect(registry.count('dialer')).toBe(0);
    await vi.waitFor(() => expect(runtime.status('dialer')?.sessions).toBe(0));
  });

  it('ends the call from another event with ctx.calls.terminate: the phone gets BYE, onCallEnded says by app', async () => {
    const result = await call({ uri: 'sip:bob@sb.test' });
    expect(result.status).toBe(200);
    await vi.waitFor(() => expect(phone.methods()).toContain('ACK'));
    expect(await engine.deliverEvent('dialer', 'hangup', { call: result.call?.id ?? '' }, { kind: 'admin' })).toEqual({ kind: 'ok', value: { ended: true } });
    await vi.waitFor(() => expect(phone.methods()).toContain('BYE'));
    const bye = phone.got.find((entry) => entry.method === 'BYE')!.request;
    expect(bye.callId).toBe(phone.got.find((entry) => entry.method === 'INVITE')!.request.callId);
    await vi.waitFor(() => expect(kv.get('dialer', 'ended')).toEqual({ call: result.call, by: 'app', reason: 'terminated', same: true }));
    expect(registry.count('dialer')).toBe(0);
    // Terminating again: the call is gone.
    expect(await engine.deliverEvent('dialer', 'hangup', { call: result.call?.id ?? '' }, { kind: 'admin' })).toEqual({ kind: 'ok', value: { ended: false } });
  });

  it('a 486 resolves with its status and no call', async () => {
    phone.mode = 'busy';
    expect(await call({ uri: 'sip:bob@sb.test' })).toEqual({ status: 486, reason: 'Busy Here', timedOut: false, body: null, call: null });
    expect(registry.count('dialer')).toBe(0);
    expect(phone.methods()).toEqual(['INVITE']);
    await vi.waitFor(() => expect(runtime.status('dialer')?.sessions).toBe(0));
  });

  it('a phone that only rings is CANCELled after timeoutMs; the app gets a local 408 (timedOut)', async () => {
    phone.mode = 'ring';
    const started = Date.now();
    expect(await call({ uri: 'sip:bob@sb.test', timeoutMs: 300 })).toEqual({ status: 408, reason: 'Request Timeout', timedOut: true, body: null, call: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await vi.waitFor(() => expect(phone.methods()).toEqual(['INVITE', 'CANCEL']));
    expect(registry.count('dialer')).toBe(0);
  });

  it('answers 404 / 480 without sending anything for a user of ours who is unknown / has no phone registered', async () => {
    await server.store.users.add({ username: 'carol', domain: 'sb.test', password: 'x' });
    expect(await call({ uri: 'sip:nobody@sb.test' })).toMatchObject({ status: 404, call: null });
    kv.delete('dialer', 'answer');
    expect(await call({ uri: 'sip:carol@sb.test' })).toMatchObject({ status: 480, call: null });
    expect(phone.got).toHaveLength(0);
  });
});
