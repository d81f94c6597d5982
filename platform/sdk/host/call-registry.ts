/**
 * The calls apps have up (JSR 359 `SipSession.terminateDialog` needs the live dialogs; apps
 * hold only plain-data ids, spec §B.1 principle 2): B2BUA calls once both legs are up, and
 * third-party calls (`ctx.calls.connect`) from their first INVITE on, calls the app placed itself
 * (`ctx.uac.invite`) from their 2xx on. A call is removed when it
 * ends, however it ends, so nothing outlives its call; the `calls` capability looks calls up
 * here to end them. Calls are kept per app: an app can reach only its own.
 *
 * Third-party calls and an app's own INVITEs start in a capability call, not in a SIP decision,
 * so their progress reaches the app engine through the one `ConnectListener` the engine
 * installs here.
 */
import type { WireCallEnd, WireCallRef, WireConnectResult, WireUacInviteAnswer } from '../protocol.js';

/** Live calls (ringing or up) one app may hold. */
export const MAX_CALLS_PER_APP = 1000;

/** What ends a call (the core's B2buaControl, a ThirdPartyCallHandle). */
export interface CallControl {
  terminate(): Promise<void>;
}

/** The app engine's side of `ctx.calls.connect` and `ctx.uac.invite`: events for the
 *  application session that started the call. */
export interface ConnectListener {
  /** A connect attempt or an INVITE starts: hold the session (no expiry, version pinned) until
   *  it is over. False refuses the attempt (the app is at its session cap). */
  started(app: string, sessionKey: string, call: WireCallRef): boolean;
  /** A leg's INVITE is about to go out with `callId` (a second leg `linkedTo` the first): told
   *  before the first message so that a per-app message trace has the whole call. */
  placing?(app: string, callId: string, linkedTo?: string): void;
  /** Both parties connected, or the attempt failed (then it is over). */
  connected(app: string, sessionKey: string, call: WireCallRef, result: WireConnectResult): void;
  /** The app's INVITE has its final answer (`ctx.uac.invite`); without `answer.call` it is over. */
  invited(app: string, sessionKey: string, call: WireCallRef, answer: WireUacInviteAnswer): void;
  /** A connected call is over. */
  ended(app: string, sessionKey: string, call: WireCallRef, end: WireCallEnd): void;
}

export class CallRegistry {
  readonly #byApp = new Map<string, Map<string, CallControl>>();
  #listener: ConnectListener | undefined;

  /** Installs the engine's listener for third-party calls (one per registry). */
  listen(listener: ConnectListener): void {
    this.#listener = listener;
  }

  get listener(): ConnectListener | undefined {
    return this.#listener;
  }

  add(app: string, id: string, control: CallControl): void {
    let calls = this.#byApp.get(app);
    if (calls === undefined) this.#byApp.set(app, (calls = new Map()));
    calls.set(id, control);
  }

  /** Forgets a call (it ended). */
  remove(app: string, id: string): void {
    const calls = this.#byApp.get(app);
    if (calls === undefined) return;
    calls.delete(id);
    if (calls.size === 0) this.#byApp.delete(app);
  }

  has(app: string, id: string): boolean {
    return this.#byApp.get(app)?.has(id) ?? false;
  }

  /** Live calls of `app`. */
  count(app: string): number {
    return this.#byApp.get(app)?.size ?? 0;
  }

  /**
   * Starts ending `app`'s call `id` (BYE on both legs, RFC 3261 §15) and forgets it; false when
   * there is no such call. Does not wait for the BYEs' answers: an unanswered BYE takes up to
   * 64·T1 (§17.1.2.2), far longer than an event may hold its session.
   */
  terminate(app: string, id: string, onError: (error: unknown) => void): boolean {
    const control = this.#byApp.get(app)?.get(id);
    if (control === undefined) return false;
    this.remove(app, id);
    control.terminate().catch(onError);
    return true;
  }

  /** Forgets every call of an undeployed app (the calls themselves go on until a leg hangs up). */
  dropApp(app: string): void {
    this.#byApp.delete(app);
  }
}
