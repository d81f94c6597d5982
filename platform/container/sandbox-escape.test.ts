/**
 * Sandbox escape attempts (issue #5 item 7). Each attempt is guest code that, if it ever got hold
 * of a host-realm function or object, would read the host's global through it: `probe` marks the
 * host sentinel and reports `ESCAPED`. The test asserts that no attempt reports `ESCAPED`, that
 * the host sentinel is untouched and that `process` is undefined inside. Patterns are adapted
 * from the published vm2 advisories: CVE-2022-36067 (SandBreak, prepareStackTrace via a
 * replaced Error), CVE-2023-29017 (host CallSites in prepareStackTrace), CVE-2023-30547
 * (Proxy getPrototypeOf + stack overflow during exception handling), CVE-2023-32314
 * (Proxy `apply` on error.name.toString), CVE-2023-37466 (async stack overflow + Symbol.species
 * fake Promise), CVE-2023-37903 (custom inspect), vm2#444 (WeakMap.prototype.set), vm2#197/#199
 * (host RangeError from stack exhaustion).
 */
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { AppRuntime } from './app-runtime.js';
import type { CapabilityCall } from './capabilities.js';
import { buildApp, removeAppFolders } from './test-support.js';
import type { JsonValue } from './types.js';

declare global {
  var __hostSentinel: { touched: boolean } | undefined;
}

const ATTEMPTS = String.raw`import sdk from '@switchboard/sdk';

// If fn returns a global that has host things on it, mark the host sentinel.
function probe(label: string, fn: () => any): string {
  try {
    const g = fn();
    if (g && (typeof g === 'object' || typeof g === 'function') && ('process' in g || '__hostSentinel' in g || 'require' in g)) {
      try { g.__hostSentinel.touched = true; } catch {}
      return label + ': ESCAPED';
    }
    if (g && typeof g === 'object' && typeof g.mainModule === 'object') return label + ': ESCAPED (process)';
    return label + ': contained (' + typeof g + ')';
  } catch (e) {
    return label + ': blocked (' + String(e).slice(0, 80) + ')';
  }
}
const viaCtor = (o: any) => o.constructor.constructor('return this')();
// The advisories' \`(function stack() { new Error().stack; stack(); })()\` without the per-frame
// stack capture, which costs seconds of CPU and changes nothing about the resulting RangeError.
const stackOverflow = () => { (function stack(): void { stack(); })(); };

export default {
  ambient() {
    return {
      process: typeof (globalThis as any).process,
      require: typeof (globalThis as any).require,
      module: typeof (globalThis as any).module,
      Buffer: typeof (globalThis as any).Buffer,
      setTimeout: typeof (globalThis as any).setTimeout,
      setInterval: typeof (globalThis as any).setInterval,
      setImmediate: typeof (globalThis as any).setImmediate,
      queueMicrotask: typeof (globalThis as any).queueMicrotask,
      fetch: typeof (globalThis as any).fetch,
      WebAssembly: typeof (globalThis as any).WebAssembly,
      SharedArrayBuffer: typeof (globalThis as any).SharedArrayBuffer,
      Atomics: typeof (globalThis as any).Atomics,
      ivm: typeof (globalThis as any).ivm + typeof (globalThis as any)._ivm,
      bundleGlobal: typeof (globalThis as any).__switchboardApp,
      globals: Reflect.ownKeys(globalThis).map(String),
    };
  },

  constructors(payload: any) {
    return [
      probe('globalThis.constructor.constructor', () => (globalThis as any).constructor.constructor('return process')()),
      probe('globalThis.constructor.constructor(this)', () => viaCtor(globalThis)),
      probe('this.constructor.constructor', function (this: any) { return viaCtor(this ?? {}); }),
      probe('Function("return this")', () => Function('return this')()),
      probe('indirect eval', () => (0, eval)('this')),
      probe('eval process', () => eval('process')),
      probe('AsyncFunction', () => (async () => {}).constructor('return this')),
      probe('GeneratorFunction', () => (function* () {}).constructor('return this')().next().value),
      probe('sdk.log.constructor.constructor', () => viaCtor(sdk.log)),
      probe('sdk.hostCall.constructor.constructor', () => viaCtor(sdk.hostCall)),
      probe('sdk.__proto__', () => viaCtor(Object.getPrototypeOf(sdk))),
      probe('payload.constructor.constructor', () => viaCtor(payload)),
      probe('payload.nested.constructor.constructor', () => viaCtor(payload.nested)),
      probe('payload Date', () => viaCtor(payload.when)),
      probe('console.log', () => viaCtor((globalThis as any).console.log)),
      probe('arguments.callee.caller', () => Function('return arguments.callee.caller')()),
      probe('caller chain', () => { const f: any = Function('return function f() { return f.caller && f.caller.caller; }')(); return f(); }),
    ];
  },

  async dynamicImport() {
    const results: string[] = [];
    for (const name of ['fs', 'node:child_process', 'file:///etc/passwd']) {
      const specifier = name;
      try { await import(/* @vite-ignore */ specifier); results.push(name + ': ESCAPED'); }
      catch (e) { results.push(name + ': blocked (' + String(e).slice(0, 60) + ')'); }
    }
    return results;
  },

  async hostErrors() {
    const results: string[] = [];
    try { await sdk.hostCall('not-granted', 'x', '{}'); } catch (e: any) { results.push(probe('rejected host call error', () => viaCtor(e))); }
    try { await sdk.hostCall('echo', 'x', '{not json'); } catch (e: any) { results.push(probe('bad JSON error', () => viaCtor(e))); }
    try { await sdk.hostCall('throwing', 'x', '{}'); } catch (e: any) { results.push(probe('provider error', () => viaCtor(e)) + ' ' + e.message); }
    const text = await sdk.hostCall('echo', 'x', '{"a":1}');
    results.push(probe('host call result', () => viaCtor(Object(text))));
    try { (sdk as any).log('info', { toString() { throw new Error('x'); } }); results.push('log with throwing toString: survived'); }
    catch (e: any) { results.push(probe('log error', () => viaCtor(e))); }
    return results;
  },

  prepareStackTrace() {
    const results: string[] = [];
    // CVE-2023-29017: prepareStackTrace sees CallSites; a host frame would yield a host this/function.
    (Error as any).prepareStackTrace = (_e: unknown, frames: any[]) => {
      for (const frame of frames) {
        results.push(probe('CallSite.getThis', () => { const t = frame.getThis(); return t && viaCtor(t); }));
        results.push(probe('CallSite.getFunction', () => { const f = frame.getFunction(); return f && viaCtor(f); }));
      }
      results.push(probe('frames array', () => viaCtor(frames)));
      return 'formatted';
    };
    try {
      try { new Function('1 = 2'); } catch (e: any) { void e.stack; }
      try { (async () => {}).constructor('1 = 2'); } catch (e: any) { void e.stack; }
      try { const deep = (): number => deep() + 1; deep(); } catch (e: any) { void e.stack; }
      try { (sdk as any).log(Symbol('x'), 'm'); } catch (e: any) { void e.stack; }
      try { sdk.hostCall('echo', 'x', { toString() { throw new Error('inner'); } } as any).catch(() => {}); } catch (e: any) { void e.stack; }
      void new Error('plain').stack;
    } finally {
      (Error as any).prepareStackTrace = undefined;
    }
    return results;
  },

  sandBreak() {
    // CVE-2022-36067: replace the global Error so the engine calls prepareStackTrace elsewhere.
    const results: string[] = [];
    const OldError = Error;
    (globalThis as any).Error = {};
    (globalThis as any).Error.prepareStackTrace = (_e: unknown, traces: any[]) => {
      for (const t of traces) results.push(probe('SandBreak getThis', () => { const self = t.getThis(); return self && (self.process ? self : viaCtor(self)); }));
      return '';
    };
    try { void new OldError().stack; } finally { (globalThis as any).Error = OldError; }
    // vm2#444: WeakMap.prototype.set + prepareStackTrace getThis
    const { set } = WeakMap.prototype;
    WeakMap.prototype.set = function (this: WeakMap<object, unknown>, v: any) { return set.call(this, v, v); };
    (Error as any).prepareStackTrace = (_: unknown, c: any[]) => c.map((site) => site.getThis()).find((a) => a);
    const { stack } = new Error() as any;
    (Error as any).prepareStackTrace = undefined;
    WeakMap.prototype.set = set;
    results.push(probe('vm2#444 stack.process', () => stack && (stack.process ? stack : viaCtor(stack))));
    return results;
  },

  proxyTricks() {
    const results: string[] = [];
    // CVE-2023-30547: a Proxy whose getPrototypeOf trap exhausts the stack while the error is handled.
    const handler = { getPrototypeOf() { stackOverflow(); return null; } };
    const proxiedErr = new Proxy({}, handler);
    try { throw proxiedErr; } catch ({ constructor: c }: any) { results.push(probe('CVE-2023-30547', () => c.constructor('return this')())); }
    // CVE-2023-32314: Proxy apply trap on error.name.toString receives an arguments array.
    const err: any = new Error();
    err.name = {
      toString: new Proxy(() => '', {
        apply(_t: unknown, _thiz: unknown, args: any) {
          results.push(probe('CVE-2023-32314 args', () => viaCtor(args)));
          return '';
        },
      }),
    };
    try { void err.stack; } catch (e: any) { results.push(probe('CVE-2023-32314 thrown', () => viaCtor(e))); }
    // Symbol / Reflect: walk every reachable prototype looking for a foreign Function.
    const seen = new Set<unknown>();
    const walk = (o: any, depth: number): void => {
      if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o) || depth > 4) return;
      seen.add(o);
      for (const key of Reflect.ownKeys(o)) {
        const d = Reflect.getOwnPropertyDescriptor(o, key);
        if (d && 'value' in d) walk(d.value, depth + 1);
      }
      walk(Reflect.getPrototypeOf(o), depth + 1);
    };
    walk(globalThis, 0);
    const foreign = [...seen].filter((o: any) => typeof o === 'function' && o.constructor !== Function && Object.getPrototypeOf(o) === null);
    results.push('foreign functions reachable: ' + foreign.length);
    results.push(probe('Symbol.for registry', () => (Symbol as any).for('nodejs.util.inspect.custom') && viaCtor(Symbol)));
    return results;
  },

  async speciesPromise() {
    // CVE-2023-37466: an async function that overflows the stack, its promise given a fake species.
    const results: string[] = [];
    async function fn() { stackOverflow(); }
    const p: any = fn();
    p.constructor = {
      [Symbol.species]: class FakePromise {
        constructor(executor: (res: (x: unknown) => unknown, rej: (e: any) => unknown) => void) {
          executor((x) => x, (e) => { results.push(probe('CVE-2023-37466 rejection', () => viaCtor(e))); });
        }
      },
    };
    p.then();
    await null;
    await null;
    return results;
  },

  async speciesToDriver() {
    // The same fake-species promise handed to the runtime's driver as the handler's result.
    async function fn() { stackOverflow(); }
    const p: any = fn();
    p.constructor = { [Symbol.species]: class { constructor(ex: any) { ex(() => {}, (e: any) => { (globalThis as any).leak = viaCtor(e); }); } } };
    return p;
  },

  inspectCustom() {
    // CVE-2023-37903: a custom inspect hook the host might call while logging the result.
    return { [Symbol.for('nodejs.util.inspect.custom')]: () => { (globalThis as any).inspected = true; return 'x'; }, plain: 1 };
  },

  functionResult() {
    return { toJSON() { return 'y'; }, plain: 1 };
  },

  pollute() {
    return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');
  },

  async polluteHostCall() {
    return JSON.parse(await sdk.hostCall('echo', 'x', '{"__proto__":{"polluted":true}}'));
  },

  proxyResult() {
    return new Proxy({}, { ownKeys() { throw new Error('trap ran'); }, getOwnPropertyDescriptor() { throw new Error('trap ran'); } });
  },

  getterResult() {
    return { get value() { return Function('return typeof process')(); } };
  },

  tamperSdk() {
    const original = sdk.log;
    try { (sdk as any).log = () => 'replaced'; } catch {}
    try { delete (globalThis as any).sdk; } catch {}
    try { Object.defineProperty(globalThis, 'sdk', { value: 1 }); } catch {}
    try { (globalThis as any).sdk = 2; } catch {}
    return {
      logKept: (globalThis as any).sdk.log === original,
      sdkFrozen: Object.isFrozen((globalThis as any).sdk),
      functionsFrozen: Object.isFrozen(sdk.log) && Object.isFrozen(sdk.hostCall),
    };
  },
};`;

let runtime: AppRuntime;
let attemptsCode = '';
const providerSaw: unknown[] = [];

beforeAll(async () => {
  globalThis.__hostSentinel = { touched: false };
  runtime = new AppRuntime({
    logger: silentLogger,
    capabilities: [
      {
        name: 'echo',
        call: (call: CapabilityCall): JsonValue => {
          providerSaw.push(call.args);
          return call.args;
        },
      },
      {
        name: 'throwing',
        call: () => {
          throw new Error('provider failed');
        },
      },
    ],
    faultLimit: { maxFaults: 1000, windowMs: 60_000 },
  });
  // Stack-overflow attempts with a prepareStackTrace hook take a few hundred ms of CPU.
  const bundle = await buildApp(ATTEMPTS, { name: 'escape', permissions: ['echo', 'throwing'], limits: { cpuMsPerEvent: 5000, memoryMb: 128 } });
  attemptsCode = bundle.code;
  await runtime.deploy(bundle);
});

afterAll(async () => {
  await runtime.close();
  await removeAppFolders();
  expect(globalThis.__hostSentinel?.touched).toBe(false);
  globalThis.__hostSentinel = undefined;
});

async function attempt(name: string, payload: unknown = null): Promise<unknown> {
  const result = await runtime.dispatch('escape', { name, sessionKey: name, payload: payload as never });
  if (!result.ok) throw new Error(`${name} faulted: ${result.fault} ${result.message}`);
  return result.value;
}

function expectContained(results: unknown): void {
  expect(Array.isArray(results)).toBe(true);
  const lines = results as string[];
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((line) => line.includes('ESCAPED'))).toEqual([]);
  expect(globalThis.__hostSentinel?.touched).toBe(false);
}

describe('sandbox escape attempts', () => {
  it('control: the same probes do detect an escape where one exists (node:vm handed host functions)', () => {
    const real = globalThis.__hostSentinel;
    const control = { touched: false };
    globalThis.__hostSentinel = control;
    try {
      const context = { sdk: { log: () => undefined, hostCall: async () => 'null' } };
      runInNewContext(attemptsCode, context);
      const app = (context as unknown as { __switchboardApp: { default: { constructors(payload: unknown): string[] } } }).__switchboardApp;
      const results = app.default.constructors({ nested: {}, when: new Date(0) });
      expect(results).toContain('sdk.log.constructor.constructor: ESCAPED');
      expect(control.touched).toBe(true);
    } finally {
      globalThis.__hostSentinel = real;
    }
  });

  it('has no ambient authority: no process, require, Buffer, timers, network or WebAssembly', async () => {
    const ambient = (await attempt('ambient')) as Record<string, unknown>;
    expect(ambient).toMatchObject({
      process: 'undefined',
      require: 'undefined',
      module: 'undefined',
      Buffer: 'undefined',
      setTimeout: 'undefined',
      setInterval: 'undefined',
      setImmediate: 'undefined',
      queueMicrotask: 'undefined',
      fetch: 'undefined',
      WebAssembly: 'undefined',
      SharedArrayBuffer: 'undefined',
      Atomics: 'undefined',
      ivm: 'undefinedundefined',
      bundleGlobal: 'undefined',
    });
    // The guest global holds ECMAScript built-ins plus `sdk` and `console`, nothing of the host.
    const globals = ambient.globals as string[];
    const hostish = globals.filter((name) => /^(process|require|module|exports|Buffer|global|setTimeout|ivm|_ivm|Reference|Callback|ExternalCopy)$/.test(name));
    expect(hostish).toEqual([]);
    expect(globals).toContain('sdk');
  });

  it('reaches only the guest realm through constructors of globals, sdk functions and payloads', async () => {
    const results = await attempt('constructors', { nested: { deep: [1] }, when: new Date(0) });
    expectContained(results);
    expect(results).toContain('sdk.log.constructor.constructor: contained (object)');
    expect(results).toContain('payload.constructor.constructor: contained (object)');
  });

  it('cannot load modules with dynamic import()', async () => {
    const results = (await attempt('dynamicImport')) as string[];
    expectContained(results);
    expect(results.every((line) => line.includes('blocked'))).toBe(true);
  });

  it('gets only guest-realm errors and plain strings back from host calls', async () => {
    const results = (await attempt('hostErrors')) as string[];
    expectContained(results);
    expect(results.some((line) => line.startsWith('provider error') && line.endsWith('provider failed'))).toBe(true);
  });

  it('sees only guest frames in Error.prepareStackTrace (CVE-2023-29017)', async () => {
    expectContained(await attempt('prepareStackTrace'));
  });

  it('gains nothing from replacing Error or WeakMap.prototype.set (CVE-2022-36067, vm2#444)', async () => {
    expectContained(await attempt('sandBreak'));
  });

  it('gains nothing from Proxy, Reflect and Symbol tricks (CVE-2023-30547, CVE-2023-32314)', async () => {
    const results = (await attempt('proxyTricks')) as string[];
    expectContained(results);
    expect(results).toContain('foreign functions reachable: 0');
  });

  it('gains nothing from a Symbol.species fake Promise (CVE-2023-37466)', async () => {
    expectContained(await attempt('speciesPromise'));
    const handedToDriver = await runtime.dispatch('escape', { name: 'speciesToDriver', sessionKey: 's', payload: null });
    expect(handedToDriver.ok).toBe(false);
    expect(globalThis.__hostSentinel?.touched).toBe(false);
  });

  it('returns only plain data: no custom inspect hook, toJSON, getter or Proxy trap runs on the host (CVE-2023-37903)', async () => {
    const inspected = await attempt('inspectCustom');
    expect(inspected).toEqual({ plain: 1 });
    expect(Object.getOwnPropertySymbols(inspected as object)).toEqual([]);
    const { inspect } = await import('node:util');
    expect(inspect(inspected)).toBe('{ plain: 1 }');
    // A getter runs inside the guest while the result is copied; the host receives its value.
    expect(await attempt('getterResult')).toEqual({ value: 'undefined' });
    const proxied = await runtime.dispatch('escape', { name: 'proxyResult', sessionKey: 'p', payload: null });
    expect(proxied).toMatchObject({ ok: false, fault: 'error', message: expect.stringMatching(/could not be cloned/) });
    const withFunction = await runtime.dispatch('escape', { name: 'functionResult', sessionKey: 'p', payload: null });
    expect(withFunction).toMatchObject({ ok: false, fault: 'error', message: expect.stringMatching(/could not be cloned/) });
  });

  it('cannot pollute host prototypes through results or host-call arguments', async () => {
    const polluted = (await attempt('pollute')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(polluted)).toBe(Object.prototype);
    const fromCall = await attempt('polluteHostCall');
    expect(providerSaw.length).toBeGreaterThan(0);
    for (const args of providerSaw) {
      if (args !== null && typeof args === 'object') expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    }
    expect(fromCall).toBeTypeOf('object');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('cannot replace or remove the frozen sdk global', async () => {
    expect(await attempt('tamperSdk')).toEqual({ logKept: true, sdkFrozen: true, functionsFrozen: true });
  });
});
