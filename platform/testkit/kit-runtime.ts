/**
 * The sandbox runtime of the kit: the real AppRuntime (isolates, budgets, session queues), with
 * every event tracked so the kit knows when it is idle, and faults a test injects delivered
 * instead of the next matching event — to test an app's declared default or the 500 its callers
 * get without writing a broken app. Injected faults do not count toward disabling the app
 * (deploy an app that really throws or loops for that).
 */
import { AppRuntime, type AppEvent, type AppRuntimeOptions, type DispatchResult } from '../container/index.js';
import type { Activity } from './activity.js';

export interface InjectedFault {
  /** Default `error` (the handler threw). */
  readonly fault?: 'error' | 'timeout' | 'memory';
  /** Only this event: `request`, `outcome`, `response`, `timer`, `expired` (default any). */
  readonly event?: string;
  readonly message?: string;
}

export class KitRuntime extends AppRuntime {
  readonly #activity: Activity;
  readonly #faults: Array<{ app: string } & InjectedFault> = [];
  /** Events delivered (or failed by injection), in order: app, event name, session key. */
  readonly events: Array<{ app: string; event: string; sessionKey: string; injected?: string }> = [];

  constructor(options: AppRuntimeOptions, activity: Activity) {
    super(options);
    this.#activity = activity;
  }

  inject(app: string, fault: InjectedFault): void {
    this.#faults.push({ app, ...fault });
  }

  override dispatch(appName: string, event: AppEvent): Promise<DispatchResult> {
    const index = this.#faults.findIndex((fault) => fault.app === appName && (fault.event === undefined || fault.event === event.name));
    if (index >= 0) {
      const [fault] = this.#faults.splice(index, 1);
      const kind = fault?.fault ?? 'error';
      this.events.push({ app: appName, event: event.name, sessionKey: event.sessionKey, injected: kind });
      return Promise.resolve({ ok: false, fault: kind, message: fault?.message ?? `injected ${kind} fault` });
    }
    this.events.push({ app: appName, event: event.name, sessionKey: event.sessionKey });
    return this.#activity.track(super.dispatch(appName, event));
  }
}
