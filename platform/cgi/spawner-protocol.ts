/**
 * Messages between the invoker (spawner-client.ts) and a resident spawner — script-spawner.py
 * (posix_spawn) or script-spawner.ts (Node) — as JSON lines over the Node IPC channel. Octets
 * travel as base64 so that both sides speak plain JSON.
 */
import type { CgiFailureCode } from './cgi-failure.js';
import type { InvocationResult, RunLimits } from './run-script.js';

export interface SpawnerRequest {
  type: 'run';
  id: number;
  invocation: { script: string; env: Record<string, string>; stdin: string; cwd?: string; timeoutMs?: number };
  /** `runAs` only ever goes to the Node spawner (posix_spawn cannot change the user). */
  limits: RunLimits;
}

export type SpawnerReply =
  /** The script's process exists (its pid leads its process group). */
  | { type: 'started'; id: number; pid: number }
  | {
      type: 'result';
      id: number;
      ok: boolean;
      /** base64, when ok. */
      stdout?: string;
      stderr: string;
      spawnMs?: number;
      runMs: number;
      failure?: { code: CgiFailureCode; detail: string };
      exitCode?: number | null;
      signal?: string | null;
    };

/** A run's result in the protocol's terms (the Node spawner's side). */
export function toReply(id: number, result: InvocationResult): SpawnerReply {
  const timing = { runMs: result.timing.runMs, ...(result.timing.spawnMs === undefined ? {} : { spawnMs: result.timing.spawnMs }) };
  if (result.ok) return { type: 'result', id, ok: true, stdout: result.stdout.toString('base64'), stderr: result.stderr, ...timing };
  return {
    type: 'result',
    id,
    ok: false,
    stderr: result.stderr,
    ...timing,
    failure: { code: result.failure.code, detail: result.failure.detail },
    ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
    ...(result.signal !== undefined ? { signal: result.signal } : {}),
  };
}
