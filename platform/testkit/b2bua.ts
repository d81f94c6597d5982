/**
 * The `b2bua` decision in the simulated core (platform/services user-agent.ts): the server calls
 * the target on a new leg (own Call-ID), relays its provisional responses, answers the caller
 * with leg B's 2xx and hands both dialogs to `onLegs`; a BYE on one leg ends the other. Leg B's
 * failure goes to `onOutcome` (`continue` relays its status). Re-INVITE/UPDATE relaying and
 * in-dialog requests from the phones are not simulated.
 */
import type { Logger } from '../log/logger.js';
import type { B2buaDecision, B2buaEnd, BranchOutcome, Decision } from '../services/index.js';
import { generateTag, type HeaderField } from '../sip/index.js';
import type { Activity } from './activity.js';
import type { KitCall } from './kit-call.js';
import { KitDialog } from './kit-dialog.js';
import type { Ladder } from './ladder.js';
import { SERVER, type Network } from './network.js';
import type { FinalAnswer } from './phones.js';
import type { CollectedAnswer, ResolvedTarget } from './proxy-context.js';
import type { VirtualClock } from './virtual-clock.js';

export interface B2buaDeps {
  readonly network: Network;
  readonly ladder: Ladder;
  readonly activity: Activity;
  readonly logger: Logger;
  readonly clock: VirtualClock;
  carryOut(call: KitCall, decision: Exclude<Decision, { kind: 'continue' }>): Promise<void>;
  outcomeOf(best: CollectedAnswer, noAnswer: boolean): BranchOutcome;
}

export async function runB2bua(deps: B2buaDeps, call: KitCall, decision: B2buaDecision, targets: readonly ResolvedTarget[]): Promise<void> {
  const { network, activity } = deps;
  let ended = false;
  const end = (how: B2buaEnd): void => {
    if (ended) return;
    ended = true;
    if (decision.onEnd) {
      const onEnd = decision.onEnd;
      activity.run(() => onEnd(how));
    }
  };
  const fail = async (answer: CollectedAnswer, noAnswer: boolean): Promise<void> => {
    let next: Decision = { kind: 'continue' };
    if (decision.onOutcome) {
      try {
        next = await activity.track(Promise.resolve(decision.onOutcome(deps.outcomeOf(answer, noAnswer))));
      } catch (error) {
        deps.logger.warn({ err: error }, 'b2bua onOutcome threw');
        next = { kind: 'reject', status: 500, reason: 'Server Internal Error' };
      }
    }
    end({ by: 'failure', status: answer.status });
    if (next.kind === 'continue') call.sendFinal(answer.status, answer.reason);
    else await deps.carryOut(call, next);
  };

  const [target] = [...targets].sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
  if (target === undefined) return fail({ status: 480, reason: 'Temporarily Unavailable', headers: [], target: decision.target, local: true }, false);

  const legB = `${call.callId}-b2b`;
  const caller = call.request;
  const headers: HeaderField[] = [
    { name: 'From', value: `${decision.from ?? caller.getHeader('From')?.replace(/;tag=[^;]*/u, '') ?? ''};tag=${generateTag()}` },
    { name: 'To', value: decision.to ?? caller.getHeader('To') ?? `<${target.uri}>` },
    { name: 'Call-ID', value: legB },
    { name: 'CSeq', value: '1 INVITE' },
    ...(decision.headers ?? []),
  ];
  const answered = await new Promise<{ answer: CollectedAnswer; timedOut: boolean }>((resolve) => {
    let settled = false;
    let ringTimer: { cancel(): void } | undefined;
    const settle = (answer: FinalAnswer, local: boolean, timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      ringTimer?.cancel();
      resolve({ answer: { ...answer, target: target.uri, local }, timedOut });
    };
    const outbound = network.invite(
      { method: 'INVITE', uri: target.uri, callId: legB, headers, body: caller.body.toString('utf8') },
      {
        provisional: (status, reason) => call.sendProvisional(status, reason),
        // Leg B's own 408/503 (Timer B, transport failure) count as "no answer" when nothing real came.
        final: (answer, local) => settle(answer, local, local && answer.status === 408),
      },
    );
    // B2buaDecision.timeoutMs: B rang long enough — CANCEL it, the outcome is noanswer (408, timedOut).
    if (decision.timeoutMs !== undefined && !settled) {
      ringTimer = deps.clock.setTimeout(() => {
        settle({ status: 408, reason: 'Request Timeout', headers: [] }, true, true);
        outbound.cancel();
      }, decision.timeoutMs);
    }
    call.control = {
      cancel: () => {
        settle({ status: 487, reason: 'Request Terminated', headers: [] }, true, false);
        outbound.cancel();
        end({ by: 'cancel' });
        call.sendFinal(487, 'Request Terminated');
      },
    };
  });
  if (call.response !== undefined) return; // the caller cancelled
  const { answer, timedOut } = answered;
  if (answer.status < 200 || answer.status >= 300) return fail(answer, timedOut);

  const label = network.labelOf(target.uri);
  const a = new KitDialog(call.callId, (method) => {
    call.record(SERVER, call.caller, method);
    call.record(call.caller, SERVER, method, 200);
    return { status: 200, reason: 'OK', headers: [] };
  });
  const b = new KitDialog(legB, (method, body) => {
    const response = network.request({ method, uri: target.uri, callId: legB, headers: [], body: body ?? '' });
    return { status: response.status, reason: response.reason, headers: [...response.headers], ...(response.local ? { locallyGenerated: true } : {}) };
  });
  const terminate = async (): Promise<void> => {
    await Promise.all([a.bye(), b.bye()]);
    call.established = false;
    end({ by: 'local' });
  };
  call.control = {
    hangup: (by) => {
      const [ending, other, name] = by === 'caller' ? [a, b, call.caller] : [b, a, label];
      call.record(name, SERVER, 'BYE');
      call.record(SERVER, name, 'BYE', 200);
      ending.remoteEnded();
      void other.bye();
      end({ by: by === 'caller' ? 'a' : 'b', reason: 'remote-bye' });
    },
  };
  call.sendFinal(answer.status, answer.reason, answer.headers, answer.body?.content);
  if (decision.onLegs) {
    const onLegs = decision.onLegs;
    activity.run(() => onLegs({ a, b }, { terminate }));
  }
}
