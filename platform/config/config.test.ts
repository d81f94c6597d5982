import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-config-')), 'switchboard.yaml');
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('defaults to a home server for localhost: registrar, digest auth, record-routing proxy', () => {
    const config = loadConfig();
    expect(config.domains).toEqual(['localhost']);
    expect(config.registrar).toEqual({ minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxContactsPerAor: 10 });
    expect(config.proxy).toMatchObject({ timerCMs: 185_000, recordRoute: true, forking: 'by-q', redirectDomains: [], allowRelay: false });
    expect(config.auth).toMatchObject({ algorithms: ['SHA-256', 'MD5'], nonceLifetimeMs: 300_000, authenticateRequests: true });
    expect(config.http.adminToken).toBeUndefined();
  });

  it('reads the sections from a file, lower-casing and de-duplicating domains', () => {
    const config = loadConfig(
      file('domains: [SB.test, sb.test, other.test]\nregistrar: {minExpires: 30}\nproxy: {forking: parallel, redirectDomains: [other.test]}\nauth: {algorithms: [MD5]}\nhttp: {adminToken: "0123456789abcdef0123"}\n'),
    );
    expect(config.domains).toEqual(['sb.test', 'other.test']);
    expect(config.registrar.minExpires).toBe(30);
    expect(config.proxy.forking).toBe('parallel');
    expect(config.proxy.redirectDomains).toEqual(['other.test']);
    expect(config.auth.algorithms).toEqual(['MD5']);
    expect(config.http.adminToken).toBe('0123456789abcdef0123');
  });

  it('names wrong values: Timer C of 3 minutes or less, inverted expiry limits, unknown keys, short tokens', () => {
    expect(() => loadConfig(file('proxy: {timerCMs: 180000}\n'))).toThrow(/Timer C must be greater than 3 minutes/);
    expect(() => loadConfig(file('registrar: {minExpires: 600, maxExpires: 60}\n'))).toThrow(ConfigError);
    expect(() => loadConfig(file('auth: {algoritms: [MD5]}\n'))).toThrow(/algoritms/);
    expect(() => loadConfig(file('http: {adminToken: short}\n'))).toThrow(/at least 16 characters/);
    expect(() => loadConfig(file('domains: ["a@b"]\n'))).toThrow(/host name or IP address/);
  });
});
