import { describe, expect, it } from 'vitest';
import { proxyTargets, toCplOutcome, toDecision } from './decision-map.js';

describe('CPL ⇄ service interface mapping', () => {
  const action = { kind: 'proxy' as const, nodeId: 1, line: 3, locations: [{ uri: 'sip:a@x', priority: 1 }, { uri: 'sip:b@x', priority: 0.5 }], ordering: 'parallel' as const, timeoutSeconds: 8, recurse: true };

  it('proxy: ordering, timeout in ms (null = server maximum), recurse, priorities as q', () => {
    expect(proxyTargets(action)).toEqual({ targets: [{ uri: 'sip:a@x', q: 1 }, { uri: 'sip:b@x', q: 0.5 }], options: { forking: 'parallel', recurse: true, timeoutMs: 8000 } });
    expect(proxyTargets({ ...action, ordering: 'sequential', timeoutSeconds: null, recurse: false }).options).toEqual({ forking: 'sequential', recurse: false });
    expect(proxyTargets({ ...action, ordering: 'first-only' }).targets).toEqual([{ uri: 'sip:a@x', q: 1 }]);
  });

  it('outcomes: only a real timeout is noanswer; a received 408/480 is a response (§6.1.1: failure)', () => {
    expect(toCplOutcome({ kind: 'noanswer', status: 408, reason: 'Request Timeout', timedOut: true })).toEqual({ kind: 'noanswer' });
    expect(toCplOutcome({ kind: 'noanswer', status: 480, reason: 'Temporarily Unavailable', timedOut: false })).toEqual({ kind: 'response', status: 480, reason: 'Temporarily Unavailable' });
    expect(toCplOutcome({ kind: 'busy', status: 600, reason: 'Busy Everywhere' })).toEqual({ kind: 'response', status: 600, reason: 'Busy Everywhere' });
    expect(toCplOutcome({ kind: 'redirection', status: 302, reason: 'Moved', contacts: [{ uri: 'sip:c@d', q: 0.5 }] })).toEqual({ kind: 'response', status: 302, reason: 'Moved', contacts: [{ uri: 'sip:c@d', q: 0.5 }] });
  });

  it('decisions: reject, redirect 301/302, §10 defaults', () => {
    expect(toDecision({ kind: 'reject', status: 603, reason: 'Decline', byDefault: false })).toEqual({ kind: 'reject', status: 603, reason: 'Decline' });
    expect(toDecision({ kind: 'redirect', status: 301, reason: 'Moved Permanently', contacts: [{ uri: 'sip:v@m', q: 1 }] })).toEqual({ kind: 'redirect', contacts: [{ uri: 'sip:v@m', q: 1 }], permanent: true });
    expect(toDecision({ kind: 'server-default' })).toEqual({ kind: 'continue' });
    expect(toDecision({ kind: 'aborted', reason: 'too many steps' })).toEqual({ kind: 'continue' });
    expect(toDecision({ kind: 'proxy-or-redirect', locations: [{ uri: 'sip:a@x', priority: 0.7 }] })).toEqual({ kind: 'proxy', targets: [{ uri: 'sip:a@x', q: 0.7 }] });
  });

  it('best response: the proxy forwards its own when it is the one, else the script answers it', () => {
    const last = { kind: 'busy' as const, status: 486, reason: 'Busy Here' };
    expect(toDecision({ kind: 'best-response', response: { status: 486, reason: 'Busy Here' } }, last)).toEqual({ kind: 'continue' });
    expect(toDecision({ kind: 'best-response', response: { status: 600, reason: 'Busy Everywhere' } }, last)).toEqual({ kind: 'respond', status: 600, reason: 'Busy Everywhere' });
  });
});
