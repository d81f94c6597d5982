/**
 * `ctx.uac.invite`: the app places a call as a plain UAC (RFC 3261 §13.2.1) with its own session
 * offer, through the core's UA (`ServiceHost.userAgent.sendRequest`, which also applies the ISC
 * originating route). A user of ours is called at their best registered contact.
 *
 * The host call answers at once with the invite's id: a phone may ring far longer than an event's
 * wall-clock budget, so the final answer is a later event of the application session that asked
 * (`uacInvite`, through the CallRegistry's ConnectListener, the app engine), in which the awaiting
 * handler resumes. The session is held from the INVITE on. A 2xx makes a call of the app (in the
 * registry, so `ctx.calls.terminate` sends BYE) whose end is `callEnded`; no answer within the
 * ring time is a CANCEL (§9.1) and a local 408; a 2xx that crosses the CANCEL gets a BYE (§9.1).
 * The Call-ID is chosen here and handed to the engine before the INVITE goes out, so a per-app
 * message trace of the app has the call from its first message.
 */
import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../../container/index.js';
import type { Logger } from '../../log/logger.js';
import type { DialogEndReason, DialogHandle } from '../../services/index.js';
import { generateCallId, parseNameAddr, type NameAddr } from '../../sip/index.js';
import type { WireCallEnd, WireCallRef, WireUacInviteAnswer } from '../protocol.js';
import { realClock, type HostClock, type HostTimer } from './app-sessions.js';
import { argsObject, bodyText, headerList, sipUri, text } from './capability-args.js';
import { MAX_CALLS_PER_APP, type CallRegistry, type ConnectListener } from './call-registry.js';
import { plainResponse, resolveTarget, type ServiceHostRef } from './resolve-target.js';

/** Ring time when the app gives none, and the most it may ask for. */
export const DEFAULT_RING_MS = 60_000;
export const MAX_RING_MS = 300_000;

export class UacInviter {
  /** INVITEs still waiting for their answer, per app (they count toward the app's calls). */
  readonly #pending = new Map<string, number>();

  constructor(
    private readonly host: ServiceHostRef,
    private readonly registry: CallRegistry,
    private readonly clock: HostClock = realClock,
    private readonly logger?: Logger,
  ) {}

  /** Sends the INVITE for `app` in its session `sessionKey`; resolves with the invite's id. */
  async invite(app: string, sessionKey: string, rawArgs: JsonValue): Promise<{ id: string }> {
    const host = this.host.current;
    const userAgent = host?.userAgent;
    const listener = this.registry.listener;
    if (host === undefined || userAgent === undefined || listener === undefined) throw new Error('this server cannot place calls for apps (no UA core or app engine)');
    const args = argsObject(rawArgs);
    const target = sipUri(args.uri, 'uri');
    const from = args.from === undefined ? `<sip:${app}@${target.host}>` : text(args.from, 'from');
    const to = args.to === undefined ? `<${target.uri}>` : text(args.to, 'to');
    address(from, 'from');
    if (address(to, 'to').params.has('tag')) throw new Error('to must not carry a tag (an out-of-dialog request, RFC 3261 §8.1.1.2)');
    const headers = headerList(args.headers);
    const offer = bodyText(args.body);
    if (offer === undefined) throw new Error('ctx.uac.invite needs the session offer in body (RFC 3264 §5)');
    const contentType = args.contentType === undefined ? 'application/sdp' : text(args.contentType, 'contentType');
    const ringMs = ringTime(args.timeoutMs);
    const pending = this.#pending.get(app) ?? 0;
    if (this.registry.count(app) + pending >= MAX_CALLS_PER_APP) throw new Error(`an app may have at most ${MAX_CALLS_PER_APP} calls at a time`);

    const call: WireCallRef = { id: `uac:${randomUUID()}`, target: target.uri };
    if (!listener.started(app, sessionKey, call)) throw new Error('the app has too many application sessions');
    // From here on the answer is an event, whatever happens. (It waits in the session's queue
    // until the event that asked is over, by which time the handler is parked on it.)
    let over = false;
    let timer: HostTimer | undefined;
    this.#pending.set(app, pending + 1);
    const answer = (result: WireUacInviteAnswer): void => {
      if (over) return;
      over = true;
      timer?.cancel();
      const left = (this.#pending.get(app) ?? 1) - 1;
      if (left > 0) this.#pending.set(app, left);
      else this.#pending.delete(app);
      listener.invited(app, sessionKey, call, result);
    };
    void resolveTarget(host, target.uri, target.host)
      .then((resolved) => {
        if (resolved.kind === 'failed') return answer({ status: resolved.status, reason: resolved.reason, headers: [] });
        // Our own Call-ID (§8.1.1.4), known before the INVITE goes: a per-app trace starts with it.
        const callId = generateCallId();
        listener.placing?.(app, callId);
        const handle = userAgent.sendRequest(
          { method: 'INVITE', uri: resolved.uri, from, to, callId, headers, body: { contentType, content: offer } },
          {
            onFinal: (response, dialog) => {
              if (over) {
                // Answered after we gave up ringing: the 2xx crossed our CANCEL (§9.1).
                if (dialog !== undefined) void dialog.bye().catch(() => undefined);
                return;
              }
              if (response.status >= 300 || response.status < 200 || dialog === undefined) return answer(plainResponse(response));
              this.#hold(app, sessionKey, call, dialog, listener);
              answer({ ...plainResponse(response), call });
            },
          },
        );
        if (over) return;
        timer = this.clock.setTimeout(() => {
          if (over) return;
          // Answer first: the 487 the CANCEL brings (§9.2) is no news to the app.
          answer({ status: 408, reason: 'Request Timeout', headers: [], timedOut: true });
          handle.cancel();
        }, ringMs);
      })
      .catch((error: unknown) => {
        this.logger?.warn({ err: error, app }, 'an app\'s INVITE could not be sent');
        answer({ status: 500, reason: 'Server Internal Error', headers: [] });
      });
    return { id: call.id };
  }

  /** The app holds the dialog: `ctx.calls.terminate` sends BYE; its end, however it comes, is
   *  reported once and forgets the call. */
  #hold(app: string, sessionKey: string, call: WireCallRef, dialog: DialogHandle, listener: ConnectListener): void {
    const upAt = this.clock.now();
    let ended = false;
    this.registry.add(app, call.id, { terminate: () => dialog.bye() });
    dialog.onEnd((reason) => {
      if (ended) return;
      ended = true;
      this.registry.remove(app, call.id);
      listener.ended(app, sessionKey, call, callEnd(reason, this.clock.now() - upAt));
    });
  }
}

/** A call the app placed ends: our BYE is the app's doing (`ctx.calls.terminate`); anything else
 *  came from the party it called (their BYE, or the dialog broke: `failed`). */
function callEnd(reason: DialogEndReason, durationMs: number): WireCallEnd {
  const duration = Math.max(0, durationMs);
  return reason === 'local-bye' ? { by: 'app', reason: 'terminated', durationMs: duration } : { by: 'callee', reason, durationMs: duration };
}

function ringTime(value: JsonValue | undefined): number {
  if (value === undefined || value === null) return DEFAULT_RING_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_RING_MS) throw new Error(`timeoutMs must be a whole number of ms from 1 to ${MAX_RING_MS}`);
  return value;
}

/** A From/To value the core can parse (RFC 3261 §20.20 name-addr or addr-spec). */
function address(value: string, what: string): NameAddr {
  try {
    return parseNameAddr(value);
  } catch (error) {
    throw new Error(`${what} "${value}" is not a SIP address: ${(error as Error).message}`);
  }
}
