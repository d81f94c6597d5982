/**
 * Kamailio as the reference proxy of the benchmark (issue 3 §8): Debian's package, installed
 * here when missing (never by the tests), started with bench/kamailio/kamailio.cfg — stateful
 * (tm), Record-Route, one UDP worker, static route to the SIPp callee.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exited } from './proxy-bench-sipp.js';

export const kamailioConfig = fileURLToPath(new URL('../../bench/kamailio/kamailio.cfg', import.meta.url));

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Kamailio's version line, installing the Debian package first if needed; undefined (with the
 *  reason in `skipped`) when it cannot be had here. */
export function ensureKamailio(): { version?: string; skipped?: string } {
  if (!has('kamailio')) {
    if (!has('apt-get')) return { skipped: 'kamailio is not installed and apt-get is not available' };
    if (process.getuid?.() !== 0) return { skipped: 'kamailio is not installed and apt-get needs root (run: apt-get install -y kamailio)' };
    console.log('installing Debian kamailio (apt-get install -y kamailio) …');
    const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'kamailio'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (install.status !== 0 || !has('kamailio')) {
      return { skipped: `apt-get install kamailio failed: ${install.stderr.toString().trim().split('\n').at(-1) ?? ''}` };
    }
  }
  const version = spawnSync('kamailio', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim();
  return { version: version ?? 'kamailio' };
}

export interface KamailioProcess {
  /** The main process; it leads its own process group (its workers are in it). */
  pid: number;
  stop(): Promise<void>;
}

export async function startKamailio(port: number, uasPort: number): Promise<KamailioProcess> {
  const runDir = mkdtempSync(join(tmpdir(), 'proxy-bench-kamailio-'));
  const child = spawn(
    'kamailio',
    [
      '-f', kamailioConfig,
      '-DD', '-E', // stay in the foreground (children still fork), log to stderr
      '-l', `udp:127.0.0.1:${port}`,
      '-A', `UAS_URI="sip:127.0.0.1:${uasPort}"`,
      '-Y', runDir, '-P', join(runDir, 'kamailio.pid'), '-w', runDir,
      '-m', '256', '-M', '16',
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  // Ready when the UDP worker is up; it says nothing at debug=1, so give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  if (child.exitCode !== null || child.pid === undefined) throw new Error(`kamailio exited ${child.exitCode}: ${stderr}`);
  return {
    pid: child.pid,
    async stop() {
      // Its own process group (detached): the main process and the workers it forked.
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      await exited(child);
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
