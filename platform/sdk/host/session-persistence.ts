/**
 * Where application sessions and their timers are kept across a server restart (issue 5 §1:
 * timers "surviving app redeploy and restart"). The AppSessionStore keeps the live state in
 * memory and, when given one of these, writes each session that holds attributes or timers after
 * it changes and deletes it when it is invalidated or expires; at start the stored sessions are
 * loaded back (`AppSessionStore.restore`). No persistence (the default) keeps everything in
 * memory: unit tests and the test kit's virtual clock. The SQLite one is
 * sqlite-session-persistence.ts.
 */
import type { PlainData } from '../protocol.js';

export interface StoredTimer {
  readonly id: string;
  readonly name: string;
  readonly payload: PlainData;
  /** When it is due, as an absolute time (ms since the epoch on the store's clock). */
  readonly dueAt: number;
  readonly repeatMs?: number;
}

export interface StoredSession {
  readonly app: string;
  readonly key: string;
  readonly attributes: { readonly [key: string]: PlainData };
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly timers: readonly StoredTimer[];
}

/** What one flush writes (in one transaction): `remove` first, then `save` (upserts). */
export interface SessionChanges {
  readonly save: readonly StoredSession[];
  readonly remove: ReadonlyArray<{ readonly app: string; readonly key: string }>;
}

export interface SessionPersistence {
  /** Every stored session; unreadable ones are reported and left out. */
  load(): StoredSession[];
  /** Writes a batch. Must not throw: the store calls it outside any event (reports its own errors). */
  write(changes: SessionChanges): void;
  /** Deletes every stored session of `app` (undeployed). */
  removeApp(app: string): void;
}
