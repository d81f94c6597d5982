/**
 * SIP message layer benchmark (BENCHMARKS.md, "SIP message layer").
 *
 * Throughput, buffer in → buffer out, for our parser and for the npm `sip` package (bench peer):
 * - parse + serialize: ours `parseMessage(buf).message.toBuffer()`; `sip`
 *   `Buffer.from(sip.stringify(sip.parse(buf)), 'binary')`, exactly what its UDP transport does.
 * - proxy-style (INVITE): also read top Via branch, CSeq, Call-ID, From/To tags and Max-Forwards,
 *   decrement Max-Forwards and push a Via before serializing.
 * Each case runs in interleaved rounds (ours, sip, ours, …) and reports the best round, which is
 * the least disturbed by other load on the machine.
 *
 * Allocation per message: V8 heapUsed delta (and ArrayBuffer delta, for Buffers) over a batch run
 * right after a forced full GC, kept only when no GC ran inside the batch (PerformanceObserver
 * 'gc' entries); the batch shrinks until that holds.
 *
 * Heap stability: after a warm-up, 1,000,000 INVITEs are parsed and serialized; heapUsed after a
 * full GC must be where it was before (±5 %).
 *
 * Run with `npm run bench` (bench/run.js) or `node dist/bench/parse-bench.js`.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createParams, parseMessage, tagOf } from '../platform/sip/index.js';
import { INVITE, SAMPLES } from './sip-samples.js';

/** The parts of the `sip` package (0.0.6) the benchmark uses. */
interface SipPeerMessage {
  headers: {
    via: Array<{ version?: string; protocol: string; host: string; port?: number; params: Record<string, string | null> }>;
    cseq: { seq: number; method: string };
    'call-id': string;
    from: { params: Record<string, string | null> };
    to: { params: Record<string, string | null> };
    'max-forwards'?: string;
  };
}
interface SipPeer {
  parse(data: Buffer | string): SipPeerMessage;
  stringify(message: SipPeerMessage): string;
}

const require = createRequire(import.meta.url);
const sip = require('sip') as SipPeer;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type Codec = (data: Buffer) => Buffer;

const ours: Codec = (data) => {
  const { message } = parseMessage(data);
  if (!message) throw new Error('benchmark message did not parse');
  return message.toBuffer();
};

const peer: Codec = (data) => Buffer.from(sip.stringify(sip.parse(data)), 'binary');

let sink = 0;

const oursProxy: Codec = (data) => {
  const { message } = parseMessage(data);
  if (!message) throw new Error('benchmark message did not parse');
  sink += (message.topVia?.params.get('branch')?.length ?? 0) + message.cseq.seq + message.callId.length;
  sink += (tagOf(message.from)?.length ?? 0) + (tagOf(message.to)?.length ?? 0);
  message.setHeader('Max-Forwards', String((message.maxForwards ?? 70) - 1));
  message.pushVia({
    protocol: 'SIP/2.0',
    transport: 'UDP',
    host: 'proxy.example.com',
    hostIsIPv6: false,
    port: undefined,
    params: createParams([['branch', 'z9hG4bKproxybranch1']]),
  });
  return message.toBuffer();
};

const peerProxy: Codec = (data) => {
  const m = sip.parse(data);
  sink += (m.headers.via[0]?.params.branch?.length ?? 0) + m.headers.cseq.seq + m.headers['call-id'].length;
  sink += (m.headers.from.params.tag?.length ?? 0) + (m.headers.to.params.tag?.length ?? 0);
  m.headers['max-forwards'] = String(Number(m.headers['max-forwards'] ?? 70) - 1);
  m.headers.via.unshift({ version: '2.0', protocol: 'UDP', host: 'proxy.example.com', params: { branch: 'z9hG4bKproxybranch1' } });
  return Buffer.from(sip.stringify(m), 'binary');
};

/** Best nanoseconds per message over interleaved rounds of each codec. */
function compare(codecs: Codec[], data: Buffer, rounds = 15, perRound = 4_000): number[] {
  for (const codec of codecs) for (let i = 0; i < 20_000; i++) sink += codec(data).length;
  const best = codecs.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    codecs.forEach((codec, index) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) sink += codec(data).length;
      const ns = Number(process.hrtime.bigint() - start) / perRound;
      if (ns < best[index]!) best[index] = ns;
    });
  }
  return best;
}

const gcTimes: number[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcTimes.push(entry.startTime);
});
observer.observe({ entryTypes: ['gc'] });

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

/** Bytes allocated per message (V8 heap, ArrayBuffers), from a batch with no GC inside. */
async function allocation(codec: Codec, data: Buffer): Promise<{ heap: number; buffers: number; batch: number }> {
  for (let batch = 1_000; batch >= 25; batch = Math.floor(batch / 2)) {
    for (let attempt = 0; attempt < 3; attempt++) {
      gc();
      await settle();
      const from = performance.now();
      const before = process.memoryUsage();
      for (let i = 0; i < batch; i++) sink += codec(data).length;
      const after = process.memoryUsage();
      const to = performance.now();
      await settle();
      if (!gcTimes.some((t) => t >= from && t <= to)) {
        return { heap: (after.heapUsed - before.heapUsed) / batch, buffers: (after.arrayBuffers - before.arrayBuffers) / batch, batch };
      }
    }
  }
  return { heap: Number.NaN, buffers: Number.NaN, batch: 0 };
}

export interface HeapCheck {
  messages: number;
  before: number;
  after: number;
  change: number;
  seconds: number;
}

/** Parse and serialize `count` INVITEs; compare heapUsed after full GCs before and after. */
async function heapStability(count = 1_000_000): Promise<HeapCheck> {
  for (let i = 0; i < 200_000; i++) sink += ours(INVITE).length;
  gc();
  await settle();
  gc();
  const before = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) sink += ours(INVITE).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  gc();
  await settle();
  gc();
  const after = process.memoryUsage().heapUsed;
  return { messages: count, before, after, change: (after - before) / before, seconds };
}

export interface BenchRow {
  message: string;
  octets: number;
  oursPerSecond: number;
  sipPerSecond: number;
  ratio: number;
  oursHeap: number;
  oursBuffers: number;
  sipHeap: number;
  sipBuffers: number;
}

export async function runParseBench(): Promise<{ rows: BenchRow[]; heap: HeapCheck }> {
  const cases: Array<{ name: string; data: Buffer; ours: Codec; sip: Codec }> = [
    ...SAMPLES.map((s) => ({ name: s.name, data: s.data, ours, sip: peer })),
    { name: 'INVITE, proxy-style', data: INVITE, ours: oursProxy, sip: peerProxy },
  ];
  const rows: BenchRow[] = [];
  for (const c of cases) {
    const [oursNs, sipNs] = compare([c.ours, c.sip], c.data) as [number, number];
    const oursAlloc = await allocation(c.ours, c.data);
    const sipAlloc = await allocation(c.sip, c.data);
    rows.push({
      message: c.name,
      octets: c.data.length,
      oursPerSecond: 1e9 / oursNs,
      sipPerSecond: 1e9 / sipNs,
      ratio: sipNs / oursNs,
      oursHeap: oursAlloc.heap,
      oursBuffers: oursAlloc.buffers,
      sipHeap: sipAlloc.heap,
      sipBuffers: sipAlloc.buffers,
    });
  }
  const heap = await heapStability();
  return { rows, heap };
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
}

export async function main(): Promise<void> {
  console.log(`SIP message layer — node ${process.version}, ${cpus().length} CPUs, ${cpus()[0]?.model ?? 'unknown CPU'}`);
  const { rows, heap } = await runParseBench();
  console.log('| message | octets | ours msg/s | sip msg/s | ours / sip | ours heap B/msg | ours Buffer B/msg | sip heap B/msg | sip Buffer B/msg |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.message} | ${r.octets} | ${fmt(r.oursPerSecond)} | ${fmt(r.sipPerSecond)} | ${fmt(r.ratio, 2)}x | ${fmt(r.oursHeap)} | ${fmt(r.oursBuffers)} | ${fmt(r.sipHeap)} | ${fmt(r.sipBuffers)} |`,
    );
  }
  const sign = heap.change >= 0 ? '+' : '';
  console.log(
    `heap stability: ${fmt(heap.messages)} INVITEs parsed + serialized in ${fmt(heap.seconds, 1)} s; ` +
      `heapUsed after full GC ${fmt(heap.before / 1024)} KiB -> ${fmt(heap.after / 1024)} KiB (${sign}${fmt(heap.change * 100, 2)} %)`,
  );
  observer.disconnect();
  if (sink === 0.5) console.log('');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
