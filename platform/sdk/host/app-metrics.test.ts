import { describe, expect, it } from 'vitest';
import type { AppListing } from './app-manager.js';
import { formatAppMetrics } from './app-metrics.js';

const listing = (name: string, over: Partial<AppListing> = {}): AppListing => ({
  name,
  version: '1.0.0',
  disabled: false,
  recentFaults: 0,
  sessions: 0,
  versions: [],
  hash: undefined,
  limits: { memoryMb: 64, cpuMsPerEvent: 50, wallMsPerEvent: 5000, maxSessions: 10000 },
  permissions: [],
  stats: { requests: 0, events: 0, faults: {}, cpuMs: 0, sessions: 0 },
  lastError: undefined,
  ...over,
});

describe('formatAppMetrics', () => {
  it('writes one sample per app and fault kind in the Prometheus text format', () => {
    const text = formatAppMetrics([
      listing('screen', { stats: { requests: 7, events: 9, faults: { timeout: 2, error: 1 }, cpuMs: 1500, sessions: 3, calls: 2 }, recentFaults: 3 }),
      listing('we"ird', { disabled: true, version: '2.0.0' }),
    ]);
    expect(text).toContain('# TYPE switchboard_app_requests_total counter\nswitchboard_app_requests_total{app="screen"} 7\n');
    expect(text).toContain('switchboard_app_faults_total{app="screen",kind="timeout"} 2\nswitchboard_app_faults_total{app="screen",kind="error"} 1\n');
    expect(text).toContain('switchboard_app_cpu_seconds_total{app="screen"} 1.5\n');
    expect(text).toContain('switchboard_app_sessions{app="screen"} 3\n');
    expect(text).toContain('switchboard_app_calls{app="screen"} 2\n');
    expect(text).toContain('switchboard_app_recent_faults{app="screen"} 3\n');
    expect(text).toContain('switchboard_app_disabled{app="we\\"ird"} 1\n');
    expect(text).toContain('switchboard_app_info{app="we\\"ird",version="2.0.0"} 1\n');
    expect(text).toContain('switchboard_app_limit_cpu_ms_per_event{app="screen"} 50\n');
    expect(text.endsWith('\n')).toBe(true);
  });
});
