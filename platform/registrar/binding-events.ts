/**
 * Registration events (issue: "Registration events are observable by services"): every binding
 * added, refreshed, removed by a REGISTER, or expired, as it is committed.
 */
import type { Binding } from '../store/binding-repository.js';

export type BindingChangeType = 'added' | 'refreshed' | 'removed' | 'expired';

export interface BindingChange {
  readonly type: BindingChangeType;
  readonly binding: Binding;
}

export type BindingChangeListener = (change: BindingChange) => void;

/** A small typed emitter: listeners run synchronously in order; one that throws is reported
 *  to `onError` and does not stop the others. */
export class BindingEvents {
  readonly #listeners = new Set<BindingChangeListener>();

  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  /** Subscribe; returns the unsubscribe function. */
  onBindingChange(listener: BindingChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  emit(type: BindingChangeType, bindings: readonly Binding[]): void {
    if (this.#listeners.size === 0) return;
    for (const binding of bindings) {
      const change: BindingChange = { type, binding };
      for (const listener of [...this.#listeners]) {
        try {
          listener(change);
        } catch (error) {
          this.onError(error);
        }
      }
    }
  }
}
