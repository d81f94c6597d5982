/**
 * What one event did, collected while the app's handlers run inside the isolate: the action on
 * the request (at most one per attempt), application-session changes, timers started and
 * cancelled. The SDK returns it as the event's `WireResult`. One scope per application session
 * at a time: the container delivers a session's events one at a time (spec §B.1 principle 1),
 * so a handler that resumes in a later event writes into that later event's scope.
 */
import { assertPlainData } from './cloneable.js';
import type { PlainData, WireAction, WireEventBase, WireResult, WireTimerStart } from './protocol.js';

export class EventScope {
  readonly sessionId: string;
  readonly app: string | undefined;
  readonly createdAt: number;
  readonly grants: ReadonlySet<string>;
  /** Calls the host ended with a quiet success (WireEventBase `released`). */
  readonly released: readonly string[];
  expiresAt: number;
  #action: WireAction | undefined;
  /** Actions are refused (responses of a running proxy, timers, a call already up). */
  readonly actionsAllowed: boolean;
  readonly #attributes: Map<string, PlainData>;
  #dirty = false;
  #expiresInMs: number | undefined;
  #invalidated = false;
  readonly #timersStart: WireTimerStart[] = [];
  readonly #timersCancel: string[] = [];
  #onSuspend: (() => void) | undefined;
  #task: Promise<unknown> | undefined;

  constructor(payload: WireEventBase, actionsAllowed: boolean) {
    this.sessionId = payload.session.id;
    this.app = payload.app;
    this.createdAt = payload.session.createdAt;
    this.expiresAt = payload.session.expiresAt;
    this.grants = new Set(payload.grants);
    this.released = payload.released ?? [];
    this.#attributes = new Map(Object.entries(payload.session.attributes));
    this.actionsAllowed = actionsAllowed;
  }

  get action(): WireAction | undefined {
    return this.#action;
  }

  setAction(action: WireAction): void {
    if (!this.actionsAllowed) throw new Error('no request can be answered from here (the call is already decided, or this is a timer or branch-response event)');
    if (this.#action !== undefined) throw new Error(`the request was already handled in this attempt (${this.#action.kind})`);
    this.#action = action;
  }

  /** Resolves the event early: a handler now waits for something only a later event brings. */
  suspend(): void {
    this.#onSuspend?.();
  }

  /** Waits until `task` settles or the handler suspends, whichever is first. */
  until(task: Promise<unknown>): Promise<void> {
    this.#task = task;
    return new Promise<void>((resolve, reject) => {
      this.#onSuspend = resolve;
      task.then(() => resolve(), reject);
    });
  }

  /** The handler task this event waits for (`until`): a handler that suspends resumes in it. */
  get task(): Promise<unknown> | undefined {
    return this.#task;
  }

  requireGrant(permission: string): void {
    if (!this.grants.has(permission)) {
      throw new Error(`permission "${permission}" is not granted to this app; add it to "permissions" in manifest.json`);
    }
  }

  attribute(name: string): PlainData {
    return this.#attributes.get(name);
  }

  hasAttribute(name: string): boolean {
    return this.#attributes.has(name);
  }

  attributeNames(): string[] {
    return [...this.#attributes.keys()];
  }

  setAttribute(name: string, value: PlainData): void {
    assertPlainData(value, `session attribute "${name}"`);
    this.#attributes.set(name, value);
    this.#dirty = true;
  }

  deleteAttribute(name: string): void {
    this.#dirty = this.#attributes.delete(name) || this.#dirty;
  }

  setExpires(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) throw new RangeError('session expiry must be a positive number of milliseconds');
    this.#expiresInMs = ms;
    this.expiresAt = Date.now() + ms;
  }

  invalidate(): void {
    this.#invalidated = true;
  }

  startTimer(timer: WireTimerStart): void {
    this.#timersStart.push(timer);
  }

  cancelTimer(id: string): void {
    const started = this.#timersStart.findIndex((timer) => timer.id === id);
    if (started >= 0) this.#timersStart.splice(started, 1);
    else this.#timersCancel.push(id);
  }

  result(): WireResult {
    const result: WireResult = {};
    if (this.#action !== undefined) result.action = this.#action;
    if (this.#dirty || this.#expiresInMs !== undefined || this.#invalidated) {
      result.session = {
        ...(this.#dirty ? { attributes: Object.fromEntries(this.#attributes) } : {}),
        ...(this.#expiresInMs !== undefined ? { expiresInMs: this.#expiresInMs } : {}),
        ...(this.#invalidated ? { invalidate: true } : {}),
      };
    }
    if (this.#timersStart.length > 0 || this.#timersCancel.length > 0) {
      result.timers = { start: this.#timersStart, cancel: this.#timersCancel };
    }
    return result;
  }
}
