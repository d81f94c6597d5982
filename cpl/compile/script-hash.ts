/** The identity of a script text (SHA-256, hex): the cache key and the compiled script's hash. */
import { createHash } from 'node:crypto';

export function hashScript(xml: string): string {
  return createHash('sha256').update(xml).digest('hex');
}
