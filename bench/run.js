// Benchmark launcher for `npm run bench` (after `npm run build`): runs every compiled
// dist/bench/*-bench.js module that exports main(), parse-bench first.
// `node bench/run.js proxy parse` runs only the benchmarks whose file name contains one of the words.
// app-bench (issue 5 §9) forks its server with --no-node-snapshot itself: `node bench/run.js app-bench`.
import { readdirSync } from 'node:fs';

const dir = new URL('../dist/bench/', import.meta.url);
const only = process.argv.slice(2);
const names = readdirSync(dir)
  .filter((name) => name.endsWith('-bench.js'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort((a, b) => (a === 'parse-bench.js' ? -1 : b === 'parse-bench.js' ? 1 : a.localeCompare(b)));

for (const name of names) {
  const bench = await import(new URL(name, dir).href);
  if (typeof bench.main === 'function') await bench.main();
}
