/**
 * A REGISTER is answered once its binding is committed, so a committed binding must survive the
 * server process dying at any moment. This runs the real store code in a child process that
 * commits bindings in a loop, reporting each one after `upsert` resolves, kills it with SIGKILL
 * mid-loop, and checks that every reported binding is in the database.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { openSqliteStore } from './sqlite-store.js';
import { makeTempDir } from './test-support.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

/** Transpile this folder's sources (types erased) so plain `node` can run them. */
function buildStore(outDir: string): void {
  const storeOut = join(outDir, 'platform', 'store');
  mkdirSync(storeOut, { recursive: true });
  for (const file of readdirSync(here)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(join(here, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: file,
    });
    writeFileSync(join(storeOut, file.replace(/\.ts$/u, '.js')), outputText);
  }
  writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(repoRoot, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  writeFileSync(
    join(outDir, 'writer.js'),
    `import { writeSync } from 'node:fs';
     import { pino } from 'pino';
     import { openSqliteStore } from './platform/store/index.js';
     const store = openSqliteStore({ dataDir: process.argv[2], logger: pino({ level: 'silent' }) });
     const expiresAt = Date.now() + 3600_000;
     for (let i = 0; ; i++) {
       await store.bindings.upsert({
         aor: 'crash@example.com', contactUri: 'sip:c' + i + '@192.0.2.1', expiresAt,
         callId: 'crash-test', cseq: i, path: ['<sip:edge.example.com;lr>'],
       });
       // Synchronous write: the parent sees "i" only after binding i is committed.
       writeSync(1, i + '\\n');
     }`,
  );
}

describe('durability across kill -9', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.cleanup());

  it('loses none of the bindings the killed process reported as committed', async () => {
    const build = join(temp.dir, 'build');
    const dataDir = join(temp.dir, 'data');
    buildStore(build);

    const child = spawn(process.execPath, [join(build, 'writer.js'), dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolveExit) => child.on('close', (_code, signal) => resolveExit(signal)));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Kill in the middle of the write loop, after a good number of commits.
      if (stdout.length > 8000 && !child.killed) child.kill('SIGKILL');
    });
    const signal = await exited;
    expect(stderr).toBe('');
    expect(signal).toBe('SIGKILL');

    const reported = stdout.split('\n').filter((line) => /^\d+$/u.test(line)).map(Number);
    expect(reported.length).toBeGreaterThan(1000);
    const store = openSqliteStore({ dataDir, logger: silentLogger });
    try {
      const stored = new Set(store.bindings.listAll('crash@example.com').map((b) => b.contactUri));
      const lost = reported.filter((i) => !stored.has(`sip:c${i}@192.0.2.1`));
      expect(lost).toEqual([]);
      // At most the one upsert in flight at the kill may be committed without being reported.
      expect(stored.size - reported.length).toBeLessThanOrEqual(1);
    } finally {
      await store.close();
    }
  });
});
