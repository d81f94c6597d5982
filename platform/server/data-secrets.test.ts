import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN_FILE, loadAdminToken, loadNonceSecret, NONCE_SECRET_FILE } from './data-secrets.js';

describe('secrets in the data folder', () => {
  it('creates the admin token once, owner-only, and returns the same one afterwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
    const first = loadAdminToken(dir);
    expect(first.created).toBe(true);
    expect(first.path).toBe(join(dir, ADMIN_TOKEN_FILE));
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    const second = loadAdminToken(dir);
    expect(second).toEqual({ token: first.token, path: first.path, created: false });
  });

  it('keeps the nonce key across restarts, so outstanding nonces still verify', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
    const key = loadNonceSecret(dir);
    expect(key.length).toBe(32);
    expect(loadNonceSecret(dir).equals(key)).toBe(true);
    expect(statSync(join(dir, NONCE_SECRET_FILE)).mode & 0o777).toBe(0o600);
  });

  it('tightens a token file someone made readable, and refuses an empty or short one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
    const path = join(dir, ADMIN_TOKEN_FILE);
    writeFileSync(path, 'a-token-written-by-hand-1234\n');
    chmodSync(path, 0o644);
    expect(loadAdminToken(dir).token).toBe('a-token-written-by-hand-1234');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, NONCE_SECRET_FILE), 'abcd\n');
    expect(() => loadNonceSecret(dir)).toThrow(/at least 64 hex digits/);
    writeFileSync(path, '\n');
    expect(() => loadAdminToken(dir)).toThrow(/is empty/);
    expect(readFileSync(path, 'utf8')).toBe('\n');
  });
});
