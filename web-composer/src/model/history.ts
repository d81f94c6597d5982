/** Undo/redo over whole-script snapshots (scripts are small: 128 KB at most, server limit). */
import type { CplScript } from './cpl-model.js';

export class History {
  #past: CplScript[] = [];
  #future: CplScript[] = [];
  #present: CplScript;

  constructor(
    initial: CplScript,
    readonly limit = 200,
  ) {
    this.#present = initial;
  }

  get present(): CplScript {
    return this.#present;
  }

  push(next: CplScript): void {
    if (next === this.#present) return;
    this.#past.push(this.#present);
    if (this.#past.length > this.limit) this.#past.shift();
    this.#future = [];
    this.#present = next;
  }

  /** Replace without a history entry (e.g. after loading from the server). */
  reset(script: CplScript): void {
    this.#past = [];
    this.#future = [];
    this.#present = script;
  }

  get canUndo(): boolean {
    return this.#past.length > 0;
  }

  get canRedo(): boolean {
    return this.#future.length > 0;
  }

  undo(): CplScript {
    const prev = this.#past.pop();
    if (prev) {
      this.#future.push(this.#present);
      this.#present = prev;
    }
    return this.#present;
  }

  redo(): CplScript {
    const next = this.#future.pop();
    if (next) {
      this.#past.push(this.#present);
      this.#present = next;
    }
    return this.#present;
  }
}
