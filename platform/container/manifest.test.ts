import { describe, expect, it } from 'vitest';
import { DeployError } from './deploy-error.js';
import { grantsOf, parseManifest } from './manifest.js';

describe('app manifest', () => {
  it('fills the documented limit defaults', () => {
    const manifest = parseManifest({ name: 'call-screening', version: '1.2.3', entry: 'src/index.ts' });
    expect(manifest.limits).toEqual({ memoryMb: 64, cpuMsPerEvent: 50, wallMsPerEvent: 5000, maxSessions: 10_000 });
    expect(manifest.permissions).toEqual([]);
  });

  it('keeps given limits and fills the missing ones', () => {
    const manifest = parseManifest({ name: 'a', version: '1.0.0-beta.1+build.7', entry: 'index.ts', limits: { memoryMb: 8 } });
    expect(manifest.limits.memoryMb).toBe(8);
    expect(manifest.limits.cpuMsPerEvent).toBe(50);
  });

  it('refuses bad names, versions, limits and entries, listing every problem', () => {
    let error: unknown;
    try {
      parseManifest({ name: 'Bad_Name', version: '1.0', entry: '../outside.ts', limits: { memoryMb: 4, cpuMsPerEvent: 0 }, extra: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DeployError);
    const texts = (error as DeployError).problems.map((problem) => problem.text).join('\n');
    expect(texts).toMatch(/^name:/m);
    expect(texts).toMatch(/^version:/m);
    expect(texts).toMatch(/^entry:/m);
    expect(texts).toMatch(/^limits\.memoryMb:/m);
    expect(texts).toMatch(/^limits\.cpuMsPerEvent:/m);
    expect(texts).toMatch(/extra/);
    expect((error as DeployError).problems.every((problem) => problem.file === 'manifest.json')).toBe(true);
  });

  it('refuses a memory limit above 512 MB', () => {
    expect(() => parseManifest({ name: 'a', version: '1.0.0', entry: 'i.ts', limits: { memoryMb: 1024 } })).toThrow(DeployError);
  });

  it('groups permission scopes by capability', () => {
    const manifest = parseManifest({
      name: 'a',
      version: '1.0.0',
      entry: 'i.ts',
      permissions: ['store', 'timers', 'http-egress:api.example.com', 'http-egress:auth.example.com', 'metrics'],
    });
    const grants = grantsOf(manifest);
    expect(grants.get('store')).toEqual([]);
    expect(grants.get('http-egress')).toEqual(['api.example.com', 'auth.example.com']);
    expect(grants.has('secrets')).toBe(false);
  });

  it('refuses malformed permissions', () => {
    expect(() => parseManifest({ name: 'a', version: '1.0.0', entry: 'i.ts', permissions: ['Store'] })).toThrow(DeployError);
    expect(() => parseManifest({ name: 'a', version: '1.0.0', entry: 'i.ts', permissions: ['http-egress:'] })).toThrow(DeployError);
  });
});
