/** Per-run settings and limits (the host's policy for executing scripts). */
import type { CplEffectSink } from './host.js';

export interface CplRunOptions {
  /** Clock for time-switch, read when the node runs (cpl.md open point 9). Default Date.now. */
  readonly clock?: () => number;
  /**
   * Which time a time-switch tests (cpl.md open point 9): "node" (default, recommended) reads the
   * clock when the switch runs, possibly after proxies; "arrival" uses call.arrivalTime (Kamailio's way).
   */
  readonly timeReference?: 'node' | 'arrival';
  readonly effects?: CplEffectSink;
  /** Record a human-readable trace (the simulator turns it on; calls need not pay for it). */
  readonly trace?: boolean;
  /** Most nodes one run may execute. Default 10 000 (a run of a DAG is bounded anyway). */
  readonly maxSteps?: number;
  /** Most CPU milliseconds spent inside the engine per run. Default 50. */
  readonly maxCpuMillis?: number;
  /** Most wall-clock milliseconds from start to decision, host actions included. Default 10 minutes. */
  readonly maxWallMillis?: number;
  /** Most proxy actions per run (call amplification, cpl.md §11.6). Default 16. */
  readonly maxProxyActions?: number;
  /** Methods CPL runs for (cpl.md open point 9: initial INVITEs). Default ["INVITE"]. */
  readonly methods?: readonly string[];
  /** Treat SIP user parts made of digits as phone numbers without user=phone (§4.1.1). Default false. */
  readonly userIsPhone?: boolean;
  /** Schemes the host can proxy to (§6.1). Default sip, sips, tel. */
  readonly proxyableSchemes?: readonly string[];
}

export interface ResolvedRunOptions {
  readonly clock: () => number;
  readonly timeReference: 'node' | 'arrival';
  readonly effects: CplEffectSink;
  readonly trace: boolean;
  readonly maxSteps: number;
  readonly maxCpuMillis: number;
  readonly maxWallMillis: number;
  readonly maxProxyActions: number;
  readonly methods: ReadonlySet<string>;
  readonly userIsPhone: boolean;
  readonly proxyableSchemes: ReadonlySet<string>;
}

export function resolveRunOptions(o: CplRunOptions | undefined): ResolvedRunOptions {
  return {
    clock: o?.clock ?? Date.now,
    timeReference: o?.timeReference ?? 'node',
    effects: o?.effects ?? {},
    trace: o?.trace ?? false,
    maxSteps: o?.maxSteps ?? 10_000,
    maxCpuMillis: o?.maxCpuMillis ?? 50,
    maxWallMillis: o?.maxWallMillis ?? 600_000,
    maxProxyActions: o?.maxProxyActions ?? 16,
    methods: new Set((o?.methods ?? ['INVITE']).map((m) => m.toUpperCase())),
    userIsPhone: o?.userIsPhone ?? false,
    proxyableSchemes: new Set((o?.proxyableSchemes ?? ['sip', 'sips', 'tel']).map((s) => s.toLowerCase())),
  };
}
