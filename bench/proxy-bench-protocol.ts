/** What the proxy benchmark harness and its Switchboard child process say to each other. */
export const BENCH_DOMAIN = 'sb.test';
export const BENCH_CALLEE = 'bob';

export type BenchRequest =
  | { op: 'start'; uasPort: number }
  | { op: 'register'; from: number; to: number }
  | { op: 'memory' }
  | { op: 'count' }
  | { op: 'stop' };

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Live transactions in the transaction layer. */
  transactions: number;
}
