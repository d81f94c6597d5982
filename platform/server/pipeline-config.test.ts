import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { silentLogger } from '../log/logger.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { sipPipelineOptions } from './pipeline-config.js';

describe('configuration → SIP pipeline options', () => {
  it('carries every registrar, proxy and auth key to the layer that uses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-pipeline-'));
    const file = join(dir, 'switchboard.yaml');
    writeFileSync(
      file,
      [
        'domains: [sb.test]',
        'sip: {host: 127.0.0.1, port: 5099, transports: [udp]}',
        'registrar: {minExpires: 30, maxExpires: 7200, defaultExpires: 600, maxContactsPerAor: 3}',
        'proxy: {timerCMs: 200000, recordRoute: false, forking: sequential, sequentialTimeoutMs: 5000, recurseOn3xx: true, maxBranches: 4, redirectDomains: [sb.test], receivedRouting: always, allowRelay: true}',
        'auth: {algorithms: [MD5], nonceLifetimeMs: 60000, authenticateRequests: false, rateLimit: {maxFailures: 5}}',
      ].join('\n'),
    );
    const store = openSqliteStore({ dataDir: dir, fileName: ':memory:', logger: silentLogger });
    const secret = Buffer.alloc(32, 7);
    const options = sipPipelineOptions(loadConfig(file), { store, logger: silentLogger, nonceSecret: secret });
    expect(options.domains).toEqual(['sb.test']);
    expect(options.transport.listen).toEqual([{ protocol: 'udp', host: '127.0.0.1', port: 5099 }]);
    expect(options.registrar).toEqual({ minExpires: 30, maxExpires: 7200, defaultExpires: 600, maxContactsPerAor: 3 });
    expect(options.proxy).toEqual({ timerCMs: 200_000, sequentialTimeoutMs: 5000, recordRoute: false, recurseOn3xx: true, maxBranches: 4 });
    expect(options.forwarding).toEqual({ forking: 'sequential' });
    expect(options.redirect).toEqual({ domains: ['sb.test'] });
    expect(options.receivedRouting).toBe('always');
    expect(options.allowRelay).toBe(true);
    expect(options.auth).toEqual({
      secret,
      algorithms: ['MD5'],
      nonceLifetimeMs: 60_000,
      authenticateRequests: false,
      limiter: { maxFailures: 5, windowMs: 60_000, blockMs: 300_000 },
    });
    expect(options.timers).toEqual({ T1: 500, T2: 4000, T4: 5000 });
    await store.close();
  });
});
