/** The user whose calls the runaway app handles (the trivial app serves BENCH_CALLEE). */
export const RUNAWAY_CALLEE = 'runaway';

/** What the app benchmark harness (app-bench.ts) and its Switchboard child (app-bench-server.ts) say to each other. */
export type AppBenchRequest =
  | { op: 'start'; uasPort: number }
  | { op: 'deploy' }
  | { op: 'undeploy' }
  /** Deploys the runaway app for RUNAWAY_CALLEE (its INVITE handler spins or exhausts its memory); `none` removes it. */
  | { op: 'runaway'; kind: 'spin' | 'bomb' | 'none' }
  | { op: 'crossing'; rounds: number }
  | { op: 'idle'; count: number }
  | { op: 'stop' };

export interface Percentiles {
  /** µs */
  median: number;
  /** µs */
  p99: number;
}

export interface Crossing {
  /** engine.decide of an INVITE into the trivial app and back (request event). */
  decide: Percentiles;
  /** The success outcome event of the same call. */
  outcome: Percentiles;
  /** AppRuntime.dispatch alone: into the isolate and back without the SDK. */
  raw: Percentiles;
}

export interface IdleApps {
  count: number;
  rssPerApp: number;
  heapPerApp: number;
  externalPerApp: number;
  /** The isolate's own V8 heap (used, and reserved), not in the host's heapUsed. */
  isolateUsedPerApp: number;
  isolateTotalPerApp: number;
}
