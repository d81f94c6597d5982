/**
 * The B2BUA calls apps have up (JSR 359 `SipSession.terminateDialog` needs the live dialogs;
 * apps hold only plain-data ids, spec §B.1 principle 2). The engine adds a call when both legs
 * are up and removes it when it ends, however it ends, so nothing outlives its call; the `calls`
 * capability looks calls up here to end them. Calls are kept per app: an app can reach only its
 * own.
 */
import type { B2buaControl } from '../../services/index.js';

export class CallRegistry {
  readonly #byApp = new Map<string, Map<string, B2buaControl>>();

  add(app: string, id: string, control: B2buaControl): void {
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
