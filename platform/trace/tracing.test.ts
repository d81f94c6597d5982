import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { inbound, request } from './test-support.js';
import { traceConfigSchema } from './trace-config.js';
import { openTraceStore } from './trace-store.js';
import { openTracing } from './tracing.js';

describe('openTracing (the server side)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tracing-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sees a rule switched on by another process within its one-second poll, and writes on close', async () => {
    const tracing = openTracing({ dataDir, logger: silentLogger, limits: traceConfigSchema.parse({}) });
    expect(existsSync(join(dataDir, 'traces.sqlite'))).toBe(true);
    expect(tracing.tracer.enabled).toBe(false);
    const cli = openTraceStore({ dataDir, logger: silentLogger });
    cli.addRule({ kind: 'user', target: 'alice@sb.test' }, 60_000);
    const started = Date.now();
    while (!tracing.tracer.enabled && Date.now() - started < 3000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tracing.tracer.enabled).toBe(true);
    expect(Date.now() - started).toBeLessThan(2500);
    tracing.tracer.recordInbound(inbound(request('INVITE', { callId: 'c1' })));
    tracing.close();
    expect(cli.messages('c1')).toHaveLength(1);
    cli.close();
  });

  it('has config defaults and refuses unknown keys and silly limits', () => {
    expect(traceConfigSchema.parse({})).toEqual({ maxCalls: 1000, maxMessagesPerCall: 500 });
    expect(traceConfigSchema.safeParse({ maxCals: 5 }).success).toBe(false);
    expect(traceConfigSchema.safeParse({ maxCalls: 0 }).success).toBe(false);
  });
});
