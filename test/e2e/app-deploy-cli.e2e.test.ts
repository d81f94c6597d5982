/**
 * Issue 5 "Done when", against the REAL `switchboard start` process: a developer deploys sample
 * apps with `switchboard app deploy` onto the running server and sees them act on SIPp calls;
 * copies a sample, changes it and redeploys it without a restart; a copy that does not compile,
 * or throws while loading, is refused with its error and the old version keeps serving;
 * `app undeploy` takes it away; the operator sees per-app counters, faults and limits in
 * GET /api/v1/apps with the admin token.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { runCli, startServer, type RunningServer } from '../support/server-process.js';
import { runSipp, sippKeys, type SippRun } from '../support/sipp.js';
import { sleep } from '../support/until.js';

const DOMAIN = 'sb.test';
const sample = (name: string): string => fileURLToPath(new URL(`../../apps/${name}`, import.meta.url));

interface AppRow {
  name: string;
  version: string;
  disabled: boolean;
  recentFaults: number;
  limits: { cpuMsPerEvent: number; memoryMb: number };
  permissions: string[];
  stats: { requests: number; events: number; faults: Record<string, number>; cpuMs: number; sessions: number };
}

/** Copies a sample app to a temp folder and edits its files, as a developer would. */
function copySample(name: string, edit: (files: { manifest: string; source: string }) => { manifest: string; source: string }): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'my-app-')), name);
  cpSync(sample(name), dir, { recursive: true });
  const manifestPath = join(dir, 'manifest.json');
  const sourcePath = join(dir, 'src', 'index.ts');
  const edited = edit({ manifest: readFileSync(manifestPath, 'utf8'), source: readFileSync(sourcePath, 'utf8') });
  writeFileSync(manifestPath, edited.manifest);
  writeFileSync(sourcePath, edited.source);
  return dir;
}

describe('switchboard app deploy onto a running server (issue 5, Done when)', () => {
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    const configFile = join(mkdtempSync(join(tmpdir(), 'switchboard-apps-config-')), 'switchboard.yaml');
    writeFileSync(configFile, `domains: [${DOMAIN}]\napps:\n  syncMs: 200\n`);
    server = await startServer({ args: ['--config', configFile] });
    token = readFileSync(join(server.dataDir, 'admin-token'), 'utf8').trim();
    expect((await runCli(['user', 'add', 'bob', '--password', 'bob-secret-1', '--config', configFile, '--data-dir', server.dataDir])).status).toBe(0);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  const cli = (...args: string[]) => runCli([...args, '--data-dir', server.dataDir]);
  const remote = (): string => `127.0.0.1:${server.sipPort}`;

  /** Mallory (outside.test) calls bob; the final status the caller got. */
  async function malloryCallsBob(): Promise<{ run: SippRun; status: number | undefined }> {
    const run = await runSipp({
      scenario: 'cpl-uac-expect-reject.xml',
      remote: remote(),
      localPort: await freePort(),
      timeoutSeconds: 10,
      extraArgs: sippKeys({ callee: 'bob', domain: DOMAIN, display: 'Mallory', caller: 'mallory', caller_domain: 'outside.test' }),
    });
    const status = /^SIP\/2\.0 ([3-6]\d\d) /mu.exec(run.messages)?.[1];
    return { run, status: status === undefined ? undefined : Number(status) };
  }

  async function apps(): Promise<AppRow[]> {
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { apps: AppRow[] }).apps;
  }
  const app = async (name: string): Promise<AppRow | undefined> => (await apps()).find((row) => row.name === name);

  it('deploys two samples with one command each; they act on SIPp calls at once', async () => {
    const screening = await cli('app', 'deploy', sample('call-screening'));
    expect(screening.stderr).toBe('');
    expect(screening.stdout).toBe('deployed call-screening 1.0.0\n');
    expect(screening.status).toBe(0);
    const hello = await cli('app', 'deploy', sample('hello'));
    expect(hello.stdout).toBe('deployed hello 1.0.0\n');
    expect((await cli('app', 'kv', 'call-screening', `blocklist:bob@${DOMAIN}`, '["mallory@outside.test"]')).status).toBe(0);

    const blocked = await malloryCallsBob();
    expect(blocked.run.exitCode, blocked.run.errors || blocked.run.stderr).toBe(0);
    expect(blocked.status).toBe(603);

    // hello answers MESSAGE itself; call-screening (deployed first, no MESSAGE handler) is skipped.
    const message = await runSipp({ scenario: 'app-uac-message.xml', remote: remote(), localPort: await freePort(), timeoutSeconds: 10, extraArgs: sippKeys({ callee: 'bob', domain: DOMAIN, caller: 'alice' }) });
    expect(message.exitCode, message.errors || message.stderr).toBe(0);
    expect(message.messages).toMatch(/^SIP\/2\.0 200 OK\r?$/mu);
    expect(message.messages).toMatch(/^X-Hello-Count: 1\r?$/mu);
    expect(message.messages).toContain('hello alice (#1)');
  });

  it('a changed copy of a sample is redeployed without a restart and its new behaviour is live', async () => {
    const dir = copySample('call-screening', ({ manifest, source }) => ({
      manifest: manifest.replace('"1.0.0"', '"1.1.0"'),
      source: source.replace("req.reply(603, 'Decline')", "req.reply(486, 'Busy Here')"),
    }));
    const deployed = await cli('app', 'deploy', dir);
    expect(deployed.stdout).toBe('deployed call-screening 1.1.0\n');
    const call = await malloryCallsBob();
    expect(call.status).toBe(486);
    expect((await app('call-screening'))?.version).toBe('1.1.0');
  });

  it('a copy that does not compile, or throws while loading, is refused with its error; 1.1.0 keeps serving', async () => {
    const broken = copySample('call-screening', ({ manifest, source }) => ({
      manifest: manifest.replace('"1.0.0"', '"1.2.0"'),
      source: source.replace("req.reply(603, 'Decline')", "req.reply(603, 'Decline'"),
    }));
    const refused = await cli('app', 'deploy', broken);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/app "call-screening" does not compile/u);
    expect(refused.stderr).toMatch(/src\/index\.ts:\d+:\d+: /u);

    const throwing = copySample('call-screening', ({ manifest, source }) => ({
      manifest: manifest.replace('"1.0.0"', '"1.3.0"'),
      source: `${source}\nthrow new Error('config missing at load');\n`,
    }));
    const refusedAtLoad = await cli('app', 'deploy', throwing);
    expect(refusedAtLoad.status).toBe(1);
    expect(refusedAtLoad.stderr).toContain('config missing at load');
    expect(refusedAtLoad.stderr).toContain('call-screening 1.1.0 keeps running');

    expect((await malloryCallsBob()).status).toBe(486);
    expect((await app('call-screening'))?.version).toBe('1.1.0');
  });

  it('GET /api/v1/apps shows per-app counters, faults and limits to the operator', async () => {
    // A copy of hello whose MESSAGE handler loops: each MESSAGE costs a 500 at the CPU budget.
    const dir = copySample('hello', ({ manifest, source }) => ({
      manifest: manifest.replace('"hello"', '"spin"').replace('"permissions"', '"limits": { "cpuMsPerEvent": 20 },\n  "permissions"'),
      source: source.replace("name: 'hello',", "name: 'spin',").replace('onMessage(req, ctx) {', 'onMessage(req, ctx) {\n    for (;;) {}'),
    }));
    expect((await cli('app', 'deploy', dir)).stdout).toBe('deployed spin 1.0.0\n');
    await cli('app', 'undeploy', 'hello');
    await waitFor(async () => (await app('hello')) === undefined);
    const spun = await runSipp({ scenario: 'app-uac-message.xml', remote: remote(), localPort: await freePort(), calls: 2, timeoutSeconds: 10, extraArgs: sippKeys({ callee: 'bob', domain: DOMAIN, caller: 'alice' }) });
    expect(spun.exitCode, spun.errors || spun.stderr).toBe(0);
    expect(spun.messages.match(/^SIP\/2\.0 500 /gmu)?.length).toBe(2);

    const spin = await app('spin');
    expect(spin).toMatchObject({ version: '1.0.0', disabled: false, recentFaults: 2, limits: { cpuMsPerEvent: 20, memoryMb: 64 }, permissions: ['timers'] });
    expect(spin?.stats).toMatchObject({ requests: 2, faults: { timeout: 2 } });
    expect(spin?.stats.cpuMs).toBeGreaterThanOrEqual(2 * 15);
    const screening = await app('call-screening');
    expect(screening?.stats.requests).toBeGreaterThanOrEqual(2);
    expect(screening?.stats.faults).toEqual({});
    expect(screening?.recentFaults).toBe(0);
    // Without the token: 401.
    expect((await fetch(`http://127.0.0.1:${server.httpPort}/api/v1/apps`)).status).toBe(401);
    // The same counters for a Prometheus scraper.
    const metrics = await fetch(`http://127.0.0.1:${server.httpPort}/metrics/apps`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/u);
    const text = await metrics.text();
    expect(text).toContain('switchboard_app_requests_total{app="spin"} 2');
    expect(text).toContain('switchboard_app_faults_total{app="spin",kind="timeout"} 2');
    expect(text).toContain('switchboard_app_info{app="call-screening",version="1.1.0"} 1');
  });

  it('app undeploy removes the app from the running server: calls go to normal routing', async () => {
    const undeployed = await cli('app', 'undeploy', 'call-screening');
    expect(undeployed.stdout).toBe('undeployed call-screening\n');
    await waitFor(async () => (await app('call-screening')) === undefined);
    // bob has no phone registered: the proxy answers 480 (RFC 3261 §21.4.18).
    const call = await runSipp({ scenario: 'uac-expect-480.xml', remote: remote(), localPort: await freePort(), timeoutSeconds: 10, extraArgs: sippKeys({ callee: 'bob', domain: DOMAIN }) });
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    expect((await cli('app', 'list')).stdout).toBe('spin\t1.0.0\tactive\n');
  });
});

async function waitFor(condition: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}
