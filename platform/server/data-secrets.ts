/**
 * Secrets the server keeps in its data folder so they survive restarts: the digest nonce key
 * (outstanding nonces stay verifiable, RFC 7616 §3.3) and the generated admin token. Files are
 * created with mode 0600 and never rewritten; `O_EXCL` makes two starts racing on an empty data
 * folder agree on one value.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const NONCE_SECRET_FILE = 'nonce-secret';
export const ADMIN_TOKEN_FILE = 'admin-token';

/** The file's trimmed text, creating it with `create()` first when absent. */
export function loadOrCreateSecretFile(dataDir: string, fileName: string, create: () => string): { value: string; path: string; created: boolean } {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, fileName);
  let created = false;
  try {
    writeFileSync(path, `${create()}\n`, { flag: 'wx', mode: 0o600 });
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A file copied in by hand may be group/world readable: tighten it, it is a credential.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const value = readFileSync(path, 'utf8').trim();
  if (value.length === 0) throw new Error(`${path} is empty; delete it to have a new one generated`);
  return { value, path, created };
}

/** The 32-byte nonce HMAC key, kept as hex in `<dataDir>/nonce-secret`. */
export function loadNonceSecret(dataDir: string): Buffer {
  const { value, path } = loadOrCreateSecretFile(dataDir, NONCE_SECRET_FILE, () => randomBytes(32).toString('hex'));
  const secret = Buffer.from(value, 'hex');
  if (secret.length < 32 || !/^[0-9a-f]+$/iu.test(value)) throw new Error(`${path} must hold at least 64 hex digits; delete it to have a new one generated`);
  return secret;
}

/** The generated admin token (`<dataDir>/admin-token`), used when config `http.adminToken` is unset. */
export function loadAdminToken(dataDir: string): { token: string; path: string; created: boolean } {
  const { value, path, created } = loadOrCreateSecretFile(dataDir, ADMIN_TOKEN_FILE, () => randomBytes(32).toString('base64url'));
  return { token: value, path, created };
}
