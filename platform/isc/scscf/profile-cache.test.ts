import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/logger.js';
import { parseMessage, type SipRequest } from '../../sip/index.js';
import { SessionCase } from '../ifc-model.js';
import { nextExternalIfc } from './chain-cursor.js';
import { ProfileCache, type ProfileTextSource } from './profile-cache.js';

const ifc = (priority: number, server: string, method = 'INVITE'): string =>
  `<InitialFilterCriteria><Priority>${priority}</Priority><TriggerPoint><ConditionTypeCNF>1</ConditionTypeCNF>` +
  `<SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>${method}</Method></SPT></TriggerPoint>` +
  `<ApplicationServer><ServerName>${server}</ServerName></ApplicationServer></InitialFilterCriteria>`;
const profile = (...ifcs: string[]): string =>
  `<IMSSubscription><PrivateID>bob@sb.test</PrivateID><ServiceProfile><PublicIdentity><Identity>sip:bob@sb.test</Identity></PublicIdentity>${ifcs.join('')}</ServiceProfile></IMSSubscription>`;

function source(texts: Map<string, string>, reads: string[]): ProfileTextSource {
  return {
    head: async (aor) => (texts.has(aor) ? { hash: String(texts.get(aor)!.length) } : undefined),
    get: async (aor) => {
      reads.push(aor);
      const text = texts.get(aor);
      return text === undefined ? undefined : { text, hash: String(text.length) };
    },
  };
}

const invite = parseMessage(
  Buffer.from(['INVITE sip:bob@sb.test SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1', 'From: <sip:a@sb.test>;tag=1', 'To: <sip:bob@sb.test>', 'Call-ID: c', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n')),
).message as SipRequest;
const ctx = { sessionCase: SessionCase.TERMINATING_REGISTERED, registered: true };

describe('ProfileCache', () => {
  it('compiles once per stored text, recompiles when the hash changes, forgets removed profiles', async () => {
    const texts = new Map([['bob@sb.test', profile(ifc(1, 'sip:as1.test'))]]);
    const reads: string[] = [];
    const cache = new ProfileCache(source(texts, reads), silentLogger);
    const first = await cache.profileOf('bob@sb.test');
    expect(await cache.profileOf('bob@sb.test')).toBe(first);
    expect(reads).toHaveLength(1);
    texts.set('bob@sb.test', profile(ifc(1, 'sip:as1.test'), ifc(2, 'sip:as2.test')));
    const second = await cache.profileOf('bob@sb.test');
    expect(second?.engines[0]?.criteria.map((c) => c.applicationServer.serverName)).toEqual(['sip:as1.test', 'sip:as2.test']);
    texts.delete('bob@sb.test');
    expect(await cache.profileOf('bob@sb.test')).toBeUndefined();
  });

  it('a stored text that no longer loads gives no profile (the user keeps plain routing)', async () => {
    const cache = new ProfileCache(source(new Map([['bob@sb.test', '<IMSSubscription>']]), []), silentLogger);
    expect(await cache.profileOf('bob@sb.test')).toBeUndefined();
  });
});

describe('nextExternalIfc', () => {
  it('walks strictly forward in priority order, skipping iFCs that name this server', async () => {
    const texts = new Map([['bob@sb.test', profile(ifc(30, 'sip:as3.test'), ifc(10, 'sip:self.test'), ifc(20, 'sip:as2.test'), ifc(5, 'sip:msg.test', 'MESSAGE'))]]);
    const compiled = await new ProfileCache(source(texts, []), silentLogger).profileOf('bob@sb.test');
    const engine = compiled!.engines[0]!;
    const own = (name: string): boolean => name === 'sip:self.test';
    const first = nextExternalIfc(engine, invite, ctx, 0, own);
    expect(first.step?.ifc.applicationServer.serverName).toBe('sip:as2.test');
    expect(first.skippedInternal.map((s) => s.ifc.applicationServer.serverName)).toEqual(['sip:self.test']);
    const second = nextExternalIfc(engine, invite, ctx, first.step!.position + 1, own);
    expect(second.step?.ifc.applicationServer.serverName).toBe('sip:as3.test');
    expect(nextExternalIfc(engine, invite, ctx, second.step!.position + 1, own).step).toBeUndefined();
  });
});
