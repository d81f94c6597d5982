/**
 * `ctx.calls.connect(a, b)`: click-to-dial as third-party call control (RFC 3725 §4.1 Flow I,
 * `ServiceHost.userAgent.thirdPartyCall`). A user of ours is called at their best registered
 * contact, as the proxy would route a call to them; both parties are resolved before A rings, so
 * nobody is called for a B that cannot be reached.
 *
 * The host call answers at once with the call's plain-data ref: A may ring for up to 64*T1
 * (RFC 3261 §13.3.1.4), far beyond an event's wall-clock budget, so the outcome and the end are
 * later events of the application session that asked (through the CallRegistry's
 * ConnectListener, the app engine): `callConnected` (connected or failed) and `callEnded`.
 * The call is in the registry from the first INVITE on, so `ctx.calls.terminate` also stops a
 * call that still rings.
 */
import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../../container/index.js';
import { generateCallId } from '../../sip/index.js';
import type { ThirdPartyCallEnd } from '../../services/index.js';
import type { WireCallEnd, WireCallRef, WireConnectResult } from '../protocol.js';
import { argsObject, headerList, sipUri, text } from './capability-args.js';
import { MAX_CALLS_PER_APP, type CallRegistry } from './call-registry.js';
import { resolveTarget, type ResolvedTarget } from './resolve-target.js';
import type { ServiceHostRef } from './uac-capability.js';

export class CallConnector {
  constructor(
    private readonly host: ServiceHostRef,
    private readonly registry: CallRegistry,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a call for `app` in its session `sessionKey`; resolves with the call's ref. */
  async connect(app: string, sessionKey: string, rawArgs: JsonValue): Promise<WireCallRef> {
    const host = this.host.current;
    const userAgent = host?.userAgent;
    const listener = this.registry.listener;
    if (host === undefined || userAgent?.thirdPartyCall === undefined || listener === undefined) {
      throw new Error('this server cannot connect calls for apps (no UA core)');
    }
    const args = argsObject(rawArgs);
    const a = sipUri(args.a, 'a');
    const b = sipUri(args.b, 'b');
    const from = args.from === undefined ? `<sip:${app}@${a.host}>` : text(args.from, 'from');
    const bFrom = args.bFrom === undefined ? `<${a.uri}>` : text(args.bFrom, 'bFrom');
    const headers = headerList(args.headers);
    if (this.registry.count(app) >= MAX_CALLS_PER_APP) throw new Error(`an app may have at most ${MAX_CALLS_PER_APP} calls at a time`);

    const call: WireCallRef = { id: `3pcc:${randomUUID()}`, target: b.uri };
    if (!listener.started(app, sessionKey, call)) throw new Error('the app has too many application sessions');
    // From here on the outcome is an event, whatever happens.
    const fail = (result: WireConnectResult): WireCallRef => {
      queueMicrotask(() => listener.connected(app, sessionKey, call, result));
      return call;
    };
    let aUri: ResolvedTarget;
    let bUri: ResolvedTarget;
    try {
      [aUri, bUri] = await Promise.all([resolveTarget(host, a.uri, a.host), resolveTarget(host, b.uri, b.host)]);
    } catch {
      return fail({ outcome: 'failed', status: 500, reason: 'Server Internal Error' });
    }
    if (aUri.kind === 'failed') return fail({ outcome: 'failed', status: aUri.status, reason: aUri.reason, leg: 'a' });
    if (bUri.kind === 'failed') return fail({ outcome: 'failed', status: bUri.status, reason: bUri.reason, leg: 'b' });

    // Both Call-IDs are ours (RFC 3261 §8.1.1.4) and known before A's INVITE goes: a per-app
    // trace has both legs from their first message, B shown as a leg of A.
    const aCallId = generateCallId();
    const bCallId = generateCallId();
    listener.placing?.(app, aCallId);
    listener.placing?.(app, bCallId, aCallId);
    let upAt: number | undefined;
    let over = false;
    const handle = userAgent.thirdPartyCall(
      { a: aUri.uri, b: bUri.uri, aTo: `<${a.uri}>`, bTo: `<${b.uri}>`, from, bFrom, aCallId, bCallId, ...(headers.length === 0 ? {} : { headers }) },
      {
        onEstablished: () => {
          upAt = this.now();
          listener.connected(app, sessionKey, call, { outcome: 'connected', status: 200, reason: 'OK' });
        },
        onEnd: (end) => {
          over = true;
          this.registry.remove(app, call.id);
          if (upAt === undefined) listener.connected(app, sessionKey, call, failure(end));
          else listener.ended(app, sessionKey, call, callEnd(end, this.now() - upAt));
        },
      },
    );
    // (A failure reported synchronously, e.g. an unusable target, is over already.)
    if (!over) this.registry.add(app, call.id, { terminate: () => handle.terminate() });
    return call;
  }
}

/** An attempt that ended before both parties were connected. */
function failure(end: ThirdPartyCallEnd): WireConnectResult {
  if (end.by === 'failure') return { outcome: 'failed', status: end.status, reason: end.reason, leg: end.leg };
  // A gave up waiting for B (its BYE, or our 64*T1 wait for B's answer: RFC 3725 §4.1), or the app ended it.
  if (end.by === 'local') return { outcome: 'failed', status: 487, reason: 'Request Terminated' };
  return end.reason === 'ack-timeout' ? { outcome: 'failed', status: 408, reason: 'Request Timeout', leg: 'b' } : { outcome: 'failed', status: 487, reason: 'Request Terminated', leg: end.by };
}

/** A connected call's end in the app's terms: A (called first, for whom the app dials) is the caller. */
function callEnd(end: ThirdPartyCallEnd, durationMs: number): WireCallEnd {
  const duration = Math.max(0, durationMs);
  if (end.by === 'a' || end.by === 'b') return { by: end.by === 'a' ? 'caller' : 'callee', reason: end.reason, durationMs: duration };
  return { by: 'app', reason: end.by === 'local' ? 'terminated' : 'failed', durationMs: duration };
}
