/**
 * A downstream app's B2BUA at the end of a chain (app-chain.ts): the upstream app, which proxied
 * to it, hears the bridge's result as its proxy outcome, so its call is decided and its session
 * released however the bridge ends.
 */
import { describe, expect, it } from 'vitest';
import type { B2buaDecision, B2buaLegs, BranchOutcome, Decision, ProxyDecision } from './index.js';
import { answerThrough } from './decision-chain.js';

function upstreamApp(answer: (outcome: BranchOutcome) => Decision = () => ({ kind: 'continue' })): { decision: ProxyDecision; seen: BranchOutcome[] } {
  const seen: BranchOutcome[] = [];
  return {
    seen,
    decision: {
      kind: 'proxy',
      targets: [{ uri: 'sip:prepaid@sb.test' }],
      onOutcome: (outcome) => {
        seen.push(outcome);
        return answer(outcome);
      },
    },
  };
}

function bridge(events: string[], onOutcome?: B2buaDecision['onOutcome']): B2buaDecision {
  return {
    kind: 'b2bua',
    target: 'sip:bob@192.0.2.7',
    onLegs: () => events.push('legs'),
    onEnd: (end) => events.push(`end ${end.by}`),
    ...(onOutcome ? { onOutcome } : {}),
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('a B2BUA downstream of a proxying app', () => {
  it('stays a b2bua decision; both legs up is the upstream app\'s success', async () => {
    const events: string[] = [];
    const upstream = upstreamApp();
    const decision = await answerThrough(upstream.decision, bridge(events));
    expect(decision).toMatchObject({ kind: 'b2bua', target: 'sip:bob@192.0.2.7' });
    if (decision.kind !== 'b2bua') throw new Error('not a b2bua');
    decision.onLegs?.({} as B2buaLegs, { terminate: async () => undefined });
    decision.onEnd?.({ by: 'b', reason: 'remote-bye' });
    await flush();
    expect(events).toEqual(['legs', 'end b']);
    expect(upstream.seen).toEqual([{ kind: 'success', status: 200 }]);
  });

  it("leg B's failure goes up once the downstream app lets it through; the upstream app may act on it", async () => {
    const upstream = upstreamApp((outcome) => (outcome.kind === 'busy' ? { kind: 'proxy', targets: [{ uri: 'sip:voicemail@192.0.2.9' }] } : { kind: 'continue' }));
    const decision = await answerThrough(upstream.decision, bridge([], () => ({ kind: 'continue' })));
    if (decision.kind !== 'b2bua') throw new Error('not a b2bua');
    expect(await decision.onOutcome?.({ kind: 'busy', status: 486, reason: 'Busy Here' })).toMatchObject({ kind: 'proxy', targets: [{ uri: 'sip:voicemail@192.0.2.9' }] });
    expect(await decision.onOutcome?.({ kind: 'failure', status: 503, reason: 'Service Unavailable' })).toEqual({ kind: 'continue' });
    expect(upstream.seen.map((outcome) => outcome.status)).toEqual([486, 503]);
  });

  it('a CANCEL before leg B answered ends the upstream attempt as a 487 failure', async () => {
    const upstream = upstreamApp();
    const decision = await answerThrough(upstream.decision, bridge([]));
    if (decision.kind !== 'b2bua') throw new Error('not a b2bua');
    decision.onEnd?.({ by: 'cancel' });
    await flush();
    expect(upstream.seen).toEqual([{ kind: 'failure', status: 487, reason: 'Request Terminated' }]);
  });
});
