/**
 * Test helpers: write an app folder to a temp directory and bundle it, so tests exercise the
 * real deploy path (manifest → esbuild → isolate). Not part of the build.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../log/logger.js';
import { bundleApp, type AppBundle } from './bundle-app.js';
import type { AppManifestInput } from './manifest.js';

const created: string[] = [];

/** Writes `files` (path → content) plus `manifest.json` into a fresh temp folder. */
export async function writeAppFolder(manifest: Partial<AppManifestInput>, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-app-'));
  created.push(dir);
  const full: AppManifestInput = { name: 'test-app', version: '1.0.0', entry: 'src/index.ts', ...manifest };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(full, null, 2));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/** Bundles a one-file app whose entry is `source`. */
export async function buildApp(source: string, manifest: Partial<AppManifestInput> = {}): Promise<AppBundle> {
  return bundleApp(await writeAppFolder(manifest, { 'src/index.ts': source }));
}

export async function removeAppFolders(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export interface CapturedLog {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A real pino logger whose JSON lines are kept for assertions. */
export function captureLogger(): { logger: Logger; lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as CapturedLog);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Resolves once `predicate` holds, polling every 5 ms (fails after `ms`). */
export async function eventually(predicate: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
