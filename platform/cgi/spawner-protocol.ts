/** Messages between the invoker (spawner-client.ts) and the resident spawner (script-spawner.ts). */
import type { Invocation, InvocationResult, RunLimits } from './run-script.js';

export interface SpawnerRequest {
  type: 'run';
  id: number;
  invocation: Invocation;
  limits: RunLimits;
}

export type SpawnerReply =
  /** The script's process exists (its pid leads its process group). */
  | { type: 'started'; id: number; pid: number }
  | { type: 'result'; id: number; result: InvocationResult };
