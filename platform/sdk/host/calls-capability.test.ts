/** `ctx.calls` on the host: an app ends only its own live calls; ended and unknown calls answer false. */
import { describe, expect, it } from 'vitest';
import { CallRegistry } from './call-registry.js';
import { CallsCapability } from './calls-capability.js';

describe('calls capability', () => {
  it('terminates a live call of the calling app once, and forgets it', async () => {
    const registry = new CallRegistry();
    const capability = new CallsCapability(registry);
    let ended = 0;
    registry.add('prepaid', 'c1#1', { terminate: async () => void (ended += 1) });
    // Another app cannot reach it, even with its id.
    expect(capability.call({ app: 'other', method: 'terminate', args: { id: 'c1#1' } })).toBe(false);
    expect(capability.call({ app: 'prepaid', method: 'terminate', args: { id: 'c1#1' } })).toBe(true);
    expect(capability.call({ app: 'prepaid', method: 'terminate', args: { id: 'c1#1' } })).toBe(false);
    expect(ended).toBe(1);
    expect(registry.count('prepaid')).toBe(0);
  });

  it('refuses other methods and missing ids; a failing BYE is reported, not thrown into the app', async () => {
    const registry = new CallRegistry();
    const errors: unknown[] = [];
    const capability = new CallsCapability(registry);
    expect(() => capability.call({ app: 'a', method: 'list', args: {} })).toThrow(/no method "list"/);
    expect(() => capability.call({ app: 'a', method: 'terminate', args: {} })).toThrow(/needs the id/);
    registry.add('a', 'x', { terminate: () => Promise.reject(new Error('transport gone')) });
    expect(registry.terminate('a', 'x', (error) => errors.push(error))).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(String(errors[0])).toMatch(/transport gone/);
    registry.add('a', 'y', { terminate: async () => undefined });
    registry.dropApp('a');
    expect(registry.has('a', 'y')).toBe(false);
  });
});
