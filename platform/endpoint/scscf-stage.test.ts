/**
 * The S-CSCF stages' decisions that need no network: which requests they leave to the ordinary
 * stages. The chains themselves run over real UDP in test/integration/scscf-chain.test.ts and
 * test/e2e/isc-scscf-chain.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import type { ProfileTextSource } from '../isc/scscf/index.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import type { LocationService } from '../registrar/location-service.js';
import { parseMessage, type SipRequest } from '../sip/index.js';
import type { IncomingRequest } from './request-stage.js';
import { ScscfStage } from './scscf-stage.js';

const profile = (server: string): string =>
  `<IMSSubscription><PrivateID>bob@sb.test</PrivateID><ServiceProfile><PublicIdentity><Identity>sip:bob@sb.test</Identity></PublicIdentity>` +
  `<InitialFilterCriteria><Priority>0</Priority><ApplicationServer><ServerName>${server}</ServerName></ApplicationServer></InitialFilterCriteria></ServiceProfile></IMSSubscription>`;

const forwarded: Array<{ routes: readonly string[] | undefined }> = [];

function stage(profiles: Record<string, string>): ScscfStage {
  const source: ProfileTextSource = {
    head: async (aor) => (profiles[aor] === undefined ? undefined : { hash: String(profiles[aor]!.length) }),
    get: async (aor) => (profiles[aor] === undefined ? undefined : { text: profiles[aor]!, hash: String(profiles[aor]!.length) }),
  };
  // Only what the stage reads before it forwards: our identity (this server is 127.0.0.1:5060).
  const proxy = {
    identity: { isLocal: (host: string, port: number | undefined) => host === '127.0.0.1' && (port ?? 5060) === 5060 },
    forward: (_server: unknown, _request: unknown, targets: Array<{ path?: readonly string[] }>) => {
      forwarded.push({ routes: targets[0]?.path });
      return undefined;
    },
  } as unknown as ProxyCore;
  const location: Pick<LocationService, 'aorOf' | 'lookup'> = {
    aorOf: (uri) => (uri.kind === 'sip' && uri.host === 'sb.test' && uri.user ? `${uri.user}@sb.test` : undefined),
    lookup: async () => ({ kind: 'no-bindings', aor: 'bob@sb.test' }),
  };
  return new ScscfStage({ proxy, location, profiles: source, domains: ['sb.test'], logger: silentLogger });
}

function request(lines: string[]): SipRequest {
  const text = [...lines, 'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1', 'From: <sip:alice@sb.test>;tag=a', 'Call-ID: c1', 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n');
  return parseMessage(Buffer.from(text)).message as SipRequest;
}

function incoming(req: SipRequest, replies: number[]): IncomingRequest {
  const flow = { protocol: 'UDP', local: { address: '127.0.0.1', port: 5060 } };
  return { request: req, transaction: { flow } as unknown as IncomingRequest['transaction'], reply: (status) => void replies.push(status) };
}

describe('ScscfStage: what stays with the ordinary stages', () => {
  const invite = (): SipRequest => request(['INVITE sip:bob@sb.test SIP/2.0', 'To: <sip:bob@sb.test>', 'CSeq: 1 INVITE']);

  it('a callee without a service profile', async () => {
    const replies: number[] = [];
    expect(await stage({}).trigger.handle(incoming(invite(), replies))).toBe('continue');
    expect(replies).toEqual([]);
  });

  it('an iFC that names this server: our engines run in the services stage', async () => {
    forwarded.length = 0;
    expect(await stage({ 'bob@sb.test': profile('sip:127.0.0.1:5060') }).trigger.handle(incoming(invite(), []))).toBe('continue');
    expect(forwarded).toEqual([]);
    // The same profile naming an external AS takes the request (terminating, unregistered callee).
    expect(await stage({ 'bob@sb.test': profile('sip:as.example.net') }).trigger.handle(incoming(invite(), []))).toBe('handled');
    expect(forwarded[0]?.routes?.[0]).toBe('<sip:as.example.net;lr>');
    expect(forwarded[0]?.routes?.[1]).toMatch(/^<sip:odi_[0-9a-f]{32}@127\.0\.0\.1:5060;lr>$/);
  });

  it('REGISTER and in-dialog requests are never triggered', async () => {
    const s = stage({ 'bob@sb.test': profile('sip:as.example.net') });
    const register = request(['REGISTER sip:sb.test SIP/2.0', 'To: <sip:bob@sb.test>', 'CSeq: 1 REGISTER']);
    const bye = request(['BYE sip:bob@127.0.0.1:5080 SIP/2.0', 'To: <sip:bob@sb.test>;tag=b', 'CSeq: 2 BYE']);
    expect(await s.trigger.handle(incoming(register, []))).toBe('continue');
    expect(await s.trigger.handle(incoming(bye, []))).toBe('continue');
  });

  it('an unknown ODI token: our Route is removed and the request handled as a new one', async () => {
    const req = request(['INVITE sip:bob@sb.test SIP/2.0', `Route: <sip:odi_${'0'.repeat(32)}@127.0.0.1:5060;lr;orig>, <sip:next.example.net;lr>`, 'To: <sip:bob@sb.test>', 'CSeq: 1 INVITE']);
    expect(await stage({}).odiReturn.handle(incoming(req, []))).toBe('continue');
    expect(req.getHeaders('Route')).toEqual(['<sip:next.example.net;lr>']);
  });

  it('a Route of ours without an ODI, or someone else\'s ODI-looking Route, is not touched', async () => {
    const ours = request(['INVITE sip:bob@sb.test SIP/2.0', 'Route: <sip:127.0.0.1:5060;lr>', 'To: <sip:bob@sb.test>', 'CSeq: 1 INVITE']);
    const foreign = request(['INVITE sip:bob@sb.test SIP/2.0', `Route: <sip:odi_${'0'.repeat(32)}@192.0.2.1;lr>`, 'To: <sip:bob@sb.test>', 'CSeq: 1 INVITE']);
    expect(await stage({}).odiReturn.handle(incoming(ours, []))).toBe('continue');
    expect(await stage({}).odiReturn.handle(incoming(foreign, []))).toBe('continue');
    expect(ours.getHeaders('Route')).toEqual(['<sip:127.0.0.1:5060;lr>']);
    expect(foreign.getHeaders('Route')).toHaveLength(1);
  });
});
