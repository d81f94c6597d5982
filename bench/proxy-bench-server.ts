/**
 * The Switchboard side of the proxy benchmark, in its own process so that neither SIPp nor the
 * harness shares its event loop. Started by proxy-bench.ts with `fork()` (and `--expose-gc`);
 * it builds the registrar + stateful proxy with test/support's startProxyServer (the server's
 * own pipeline builder), authentication off, and answers the harness over the IPC channel:
 *
 *   { op: 'start', uasPort }        → { port }      bob@sb.test registered at the SIPp UAS
 *   { op: 'register', from, to }    → { count }     users u<from>…u<to-1> with one binding each
 *   { op: 'memory' }                → MemorySample   after two full GCs
 *   { op: 'count' }                 → { transactions } live transactions (no GC)
 *   { op: 'stop' }                  → {}            then the process exits
 */
import { startProxyServer, type ProxyServer } from '../test/support/proxy-server.js';
import { traceStalls } from './proxy-bench-stalls.js';
import { BENCH_CALLEE, BENCH_DOMAIN, type BenchRequest, type MemorySample } from './proxy-bench-protocol.js';

const HOUR_MS = 3_600_000;
let server: ProxyServer | undefined;
const stalls = process.env.PROXY_BENCH_STALLS ? traceStalls(Number(process.env.PROXY_BENCH_STALLS) || 10) : undefined;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

async function handle(request: BenchRequest): Promise<unknown> {
  switch (request.op) {
    case 'start': {
      server = await startProxyServer({
        domains: [BENCH_DOMAIN],
        users: [{ username: BENCH_CALLEE, password: 'bench-secret' }],
        authenticateRequests: false,
        // As `switchboard start` runs (sip.udpSocketThread); the harness's "inline" target sets PROXY_BENCH_INLINE_UDP.
        udpSocketThread: !process.env.PROXY_BENCH_INLINE_UDP,
      });
      await server.store.bindings.upsert({
        aor: `${BENCH_CALLEE}@${BENCH_DOMAIN}`,
        contactUri: `sip:${BENCH_CALLEE}@127.0.0.1:${request.uasPort}`,
        expiresAt: Date.now() + 24 * HOUR_MS,
        callId: 'proxy-bench',
        cseq: 1,
        path: [],
      });
      return { port: server.port };
    }
    case 'register': {
      if (!server) throw new Error('not started');
      const expiresAt = Date.now() + 24 * HOUR_MS;
      for (let i = request.from; i < request.to; i++) {
        const username = `u${i}`;
        await server.store.users.add({ username, domain: BENCH_DOMAIN, password: `pw${i}` });
        await server.store.bindings.upsert({
          aor: `${username}@${BENCH_DOMAIN}`,
          contactUri: `sip:${username}@10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5060;transport=udp`,
          expiresAt,
          callId: `reg-${i}@bench`,
          cseq: 1,
          path: [],
          received: { protocol: 'udp', address: '192.0.2.1', port: 20_000 + (i % 40_000) },
          userAgent: 'proxy-bench',
        });
      }
      return { count: request.to - request.from };
    }
    case 'memory': {
      collect();
      const usage = process.memoryUsage();
      const sample: MemorySample = {
        rss: usage.rss,
        heapUsed: usage.heapUsed,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
        transactions: server?.transactions.size ?? 0,
      };
      return sample;
    }
    case 'count':
      return { transactions: server?.transactions.size ?? 0 };
    case 'stop': {
      stalls?.report();
      await server?.stop();
      server = undefined;
      return {};
    }
  }
}

process.on('message', (message: BenchRequest) => {
  handle(message).then(
    (result) => {
      process.send?.({ ok: true, result });
      if (message.op === 'stop') process.disconnect();
    },
    (error: unknown) => process.send?.({ ok: false, error: String(error) }),
  );
});
