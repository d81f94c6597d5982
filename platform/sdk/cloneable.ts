/**
 * The state-is-data rule (appserver spec §B.1 principle 2): session attributes and timer payloads
 * must survive a structured clone, checked when the app writes them so the error points at the
 * app's own line rather than at the sandbox boundary later. Runs in the isolate (no
 * `structuredClone` there), so this is a small walk over the allowed shapes.
 */
import type { PlainData } from './protocol.js';

const MAX_DEPTH = 64;

export function assertPlainData(value: unknown, what: string): asserts value is PlainData {
  const problem = check(value, 0, new Set());
  if (problem !== undefined) throw new TypeError(`${what} must be plain data (structured-clone-able): ${problem}`);
}

function check(value: unknown, depth: number, seen: Set<object>): string | undefined {
  if (depth > MAX_DEPTH) return 'nested too deeply';
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'bigint':
    case 'string':
      return undefined;
    case 'function':
      return 'functions cannot be stored (use a named timer or event instead of a closure)';
    case 'symbol':
      return 'symbols cannot be stored';
  }
  if (value === null) return undefined;
  const object = value as object;
  if (seen.has(object)) return undefined;
  seen.add(object);
  if (object instanceof Date || object instanceof RegExp || object instanceof ArrayBuffer || ArrayBuffer.isView(object)) return undefined;
  if (Array.isArray(object)) {
    for (const item of object) {
      const problem = check(item, depth + 1, seen);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (object instanceof Map) {
    for (const [key, item] of object) {
      const problem = check(key, depth + 1, seen) ?? check(item, depth + 1, seen);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (object instanceof Set) {
    for (const item of object) {
      const problem = check(item, depth + 1, seen);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) return 'class instances lose their class in a clone; store plain objects';
  for (const key of Object.keys(object)) {
    const problem = check((object as Record<string, unknown>)[key], depth + 1, seen);
    if (problem !== undefined) return `${key}: ${problem}`;
  }
  return undefined;
}
