/**
 * Parameter lists (uri-parameters, header params, Via params; RFC 3261 §19.1.1, §20, §25.1).
 * Names and values are kept as written (escapes and quotes included) so that a message
 * re-serializes as received; names compare case-insensitively (§19.1.4, §20.10).
 */
import type { ParamList } from './types.js';

/** ASCII case-insensitive equality, without allocating lower-cased copies. */
export function equalsIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}

export class Params implements ParamList {
  /** Flat [name0, value0, name1, value1, …], allocated on the first entry. */
  #items: Array<string | null> | null = null;

  get size(): number {
    return this.#items === null ? 0 : this.#items.length >> 1;
  }

  #indexOf(name: string): number {
    const items = this.#items;
    if (items === null) return -1;
    for (let i = 0; i < items.length; i += 2) {
      if (equalsIgnoreCase(items[i] as string, name)) return i;
    }
    return -1;
  }

  get(name: string): string | null | undefined {
    const i = this.#indexOf(name);
    return i < 0 ? undefined : this.#items![i + 1];
  }

  has(name: string): boolean {
    return this.#indexOf(name) >= 0;
  }

  set(name: string, value: string | null): void {
    const i = this.#indexOf(name);
    if (i < 0) this.append(name, value);
    else this.#items![i + 1] = value;
  }

  /** Name at index `i` (0-based entry), for single-pass checks without iterators. */
  nameAt(i: number): string {
    return this.#items![i * 2] as string;
  }

  valueAt(i: number): string | null {
    return this.#items![i * 2 + 1] ?? null;
  }

  /** Append without looking for an existing entry (parsers; duplicates are kept as written). */
  append(name: string, value: string | null): void {
    if (this.#items === null) this.#items = [name, value];
    else this.#items.push(name, value);
  }

  delete(name: string): boolean {
    const i = this.#indexOf(name);
    if (i < 0) return false;
    this.#items!.splice(i, 2);
    return true;
  }

  *entries(): IterableIterator<[string, string | null]> {
    const items = this.#items;
    if (items === null) return;
    for (let i = 0; i < items.length; i += 2) yield [items[i] as string, items[i + 1] ?? null];
  }

  [Symbol.iterator](): IterableIterator<[string, string | null]> {
    return this.entries();
  }

  toString(): string {
    const items = this.#items;
    if (items === null) return '';
    let out = '';
    for (let i = 0; i < items.length; i += 2) {
      const value = items[i + 1];
      out += value === null ? `;${items[i]}` : `;${items[i]}=${value}`;
    }
    return out;
  }

  clone(): Params {
    const copy = new Params();
    copy.#items = this.#items === null ? null : this.#items.slice();
    return copy;
  }
}

export function createParams(init?: Iterable<[string, string | null]>): ParamList {
  const params = new Params();
  if (init) for (const [name, value] of init) params.set(name, value);
  return params;
}

/** A copy of any ParamList (ours or a caller's own implementation). */
export function cloneParams(params: ParamList): Params {
  if (params instanceof Params) return params.clone();
  const copy = new Params();
  for (const [name, value] of params.entries()) copy.append(name, value);
  return copy;
}
