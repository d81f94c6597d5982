/**
 * Issue 5 §1 "timers … surviving app redeploy and restart", against the REAL `switchboard start`
 * process: an app deployed with `switchboard app deploy` starts a 12 s timer on a SIPp MESSAGE and
 * keeps structured-clone state in its application session; the server is stopped and started
 * again on the same data folder before the timer is due; the timer still fires after the restart,
 * no earlier than it was due: its handler sends a MESSAGE through ctx.uac to a SIPp UAS (RFC
 * 3428) and records the session's attributes with ctx.kv, read back with `switchboard app kv`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { runCli, startServer, type RunningServer } from '../support/server-process.js';
import { startSippUas } from '../integration/uac-support.js';
import { runSipp, sippKeys, tracedMessages } from '../support/sipp.js';
import { sleep } from '../support/until.js';

const DOMAIN = 'sb.test';
// Long enough for a stop and a start on a loaded 2-core CI machine.
const DELAY_MS = 12_000;

const APP_SOURCE = `
import { defineApp } from '@switchboard/sdk';

export default defineApp({
  name: 'durable',
  onMessage(req, ctx) {
    // Structured-clone data (a Map), not just JSON, in the session.
    ctx.session.set('note', { from: req.from.user ?? '', seen: new Map([['messages', 1]]) });
    ctx.timers.start('later', ${DELAY_MS}, { startedAt: Date.now() });
    req.reply(200, 'OK');
  },
  timers: {
    async later(timer, ctx) {
      const note = ctx.session.get<{ from: string; seen: Map<string, number> }>('note');
      const watcher = await ctx.kv.get<string>('watcher');
      if (watcher !== undefined) await ctx.uac.request({ method: 'MESSAGE', uri: watcher, body: 'timer fired for ' + (note?.from ?? '?') });
      await ctx.kv.set('fired', { at: Date.now(), payload: timer.payload, from: note?.from ?? null, messages: note?.seen.get('messages') ?? null });
    },
  },
});
`;

function writeApp(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'durable-app-')), 'durable');
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name: 'durable', version: '1.0.0', entry: 'src/index.ts', permissions: ['timers', 'kv', 'uac'] }));
  writeFileSync(join(dir, 'src', 'index.ts'), APP_SOURCE);
  return dir;
}

describe('application sessions and timers survive a server restart (issue 5 §1)', () => {
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('a timer started before a restart fires after it, with the session attributes', async () => {
    const configFile = join(mkdtempSync(join(tmpdir(), 'switchboard-restart-config-')), 'switchboard.yaml');
    writeFileSync(configFile, `domains: [${DOMAIN}]\napps:\n  syncMs: 200\n`);
    server = await startServer({ args: ['--config', configFile] });
    const dataDir = server.dataDir;
    const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir]);

    const deployed = await cli('app', 'deploy', writeApp());
    expect(deployed.stderr).toBe('');
    expect(deployed.stdout).toBe('deployed durable 1.0.0\n');

    const watcherPort = await freePort();
    const watcher = await startSippUas({ scenario: 'ua-uas-message.xml', localPort: watcherPort, timeoutSeconds: 40 });
    expect((await cli('app', 'kv', 'durable', 'watcher', JSON.stringify(`sip:watcher@127.0.0.1:${watcherPort}`))).status).toBe(0);

    const message = await runSipp({
      scenario: 'app-uac-message.xml',
      remote: `127.0.0.1:${server.sipPort}`,
      localPort: await freePort(),
      timeoutSeconds: 10,
      extraArgs: sippKeys({ callee: 'bob', domain: DOMAIN, caller: 'alice' }),
    });
    expect(message.exitCode, message.errors || message.stderr).toBe(0);
    expect(message.messages).toMatch(/^SIP\/2\.0 200 OK\r?$/mu);
    const sentAt = Date.now();

    // Restart on the same data folder before the timer is due.
    expect(await server.stop()).toBe(0);
    server = undefined;
    server = await startServer({ dataDir, args: ['--config', configFile] });
    const restartedAt = Date.now();
    expect(restartedAt - sentAt, 'the restart took longer than the timer').toBeLessThan(DELAY_MS);

    let fired: { at: number; payload: { startedAt: number }; from: string | null; messages: number | null } | undefined;
    const deadline = Date.now() + DELAY_MS + 10_000;
    while (fired === undefined && Date.now() < deadline) {
      const read = await cli('app', 'kv', 'durable', 'fired');
      if (read.status === 0) fired = JSON.parse(read.stdout) as typeof fired;
      else await sleep(250);
    }
    expect(fired, server.logs.join('\n')).toBeDefined();
    expect(fired!.at).toBeGreaterThanOrEqual(fired!.payload.startedAt + DELAY_MS - 5);
    expect(fired!.at).toBeGreaterThanOrEqual(restartedAt - 1000);
    expect(fired!.from).toBe('alice');
    expect(fired!.messages).toBe(1);
    const run = await watcher.run;
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    const received = tracedMessages(run.messages).find((m) => m.direction === 'received' && m.text.startsWith('MESSAGE '));
    expect(received?.text).toContain('timer fired for alice');
    const restored = server.logs.find((line) => line.includes('"msg":"application sessions restored"'));
    expect(restored).toBeDefined();
    expect(JSON.parse(restored!)).toMatchObject({ sessions: 1, timers: 1, dropped: [] });
  }, 90_000);
});
