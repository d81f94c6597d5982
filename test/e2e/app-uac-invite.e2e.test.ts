/**
 * `ctx.uac.invite` and `ctx.calls.connect` against the REAL `switchboard start` process (issue 5
 * §7 "each SDK call end to end with SIPp", §8 per-app traces). An app deployed with
 * `switchboard app deploy` places calls when a named HTTP event arrives
 * (`POST /api/v1/apps/wake-up/events/{name}`, admin token) to phones registered with digest
 * authentication (SIPp):
 * - `call`: the app calls bob with its SDP offer (RFC 3264 §5); bob answers 200 with SDP and gets
 *   the ACK; the app's timer ends the call (`ctx.calls.terminate` → BYE, RFC 3261 §15) — or bob
 *   hangs up and the app's `onCallEnded` hears `callee`. What the app saw is read back with
 *   `switchboard app kv`.
 * - `connect`: click-to-dial between alice and bob (RFC 3725 Flow I).
 * With `switchboard trace on --app wake-up`, each call the app places is traced from its INVITE
 * (`switchboard trace list/show`), both legs of a connect under the app, B as a leg of A.
 *
 * SIPp 3.6 answers only MD5 challenges, so the config offers MD5 first.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header, startSippUas } from '../integration/uac-support.js';
import { freePort } from '../support/ports.js';
import { runCli, startServer, type RunningServer } from '../support/server-process.js';
import { bodyOf, runSipp, sippKeys, tracedTexts } from '../support/sipp.js';
import { sleep } from '../support/until.js';

const DOMAIN = 'sb.test';
const APP = 'wake-up';
const PASSWORDS: Record<string, string> = { alice: 'alice-secret-1', bob: 'bob-secret-2' };

const APP_SOURCE = `
import { defineApp } from '@switchboard/sdk';

// The app's offer (RFC 3264 §5): where its media server would listen.
const OFFER = ['v=0', 'o=wakeup 1 1 IN IP4 127.0.0.1', 's=wake-up', 'c=IN IP4 127.0.0.1', 't=0 0',
  'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\\r\\n');

export default defineApp({
  events: {
    async call(event, ctx) {
      const { to, tag, holdMs } = event.payload as { to: string; tag: string; holdMs?: number };
      ctx.session.set('tag', tag);
      const res = await ctx.uac.invite({ uri: to, body: OFFER, timeoutMs: 10_000 }); // HTTP answered here
      await ctx.kv.set('answer:' + tag, { status: res.status, body: res.body ?? null, call: res.call ?? null });
      if (res.call && holdMs !== undefined) ctx.timers.start('hangUp', holdMs, res.call.id);
    },
    async connect(event, ctx) {
      const { a, b, tag } = event.payload as { a: string; b: string; tag: string };
      ctx.session.set('tag', tag);
      const call = await ctx.calls.connect(a, b);
      return { call: call.id };
    },
  },
  timers: {
    async hangUp(timer, ctx) {
      await ctx.kv.set('terminated:' + String(ctx.session.get('tag')), await ctx.calls.terminate(String(timer.payload)));
    },
  },
  async onCallEnded(call, end, ctx) {
    await ctx.kv.set('ended:' + String(ctx.session.get('tag')), { id: call.id, by: end.by, reason: end.reason, durationMs: end.durationMs });
  },
});
`;

function writeApp(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'wake-up-app-')), APP);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name: APP, version: '1.0.0', entry: 'src/index.ts', permissions: ['uac', 'calls', 'timers', 'kv'] }));
  writeFileSync(join(dir, 'src', 'index.ts'), APP_SOURCE);
  return dir;
}

interface TracedCall {
  callId: string;
  matched: string;
  linkedTo: string | null;
  firstLine: string;
}

describe('an app places calls to SIPp phones on the real server (ctx.uac.invite, ctx.calls.connect)', () => {
  const configFile = join(mkdtempSync(join(tmpdir(), 'switchboard-uac-invite-config-')), 'switchboard.yaml');
  let server: RunningServer;
  let token: string;
  const cli = (...args: string[]) => runCli([...args, '--data-dir', server.dataDir]);

  beforeAll(async () => {
    writeFileSync(configFile, `domains: [${DOMAIN}]\nauth:\n  algorithms: [MD5, SHA-256]\napps:\n  syncMs: 200\n`);
    server = await startServer({ args: ['--config', configFile] });
    token = readFileSync(join(server.dataDir, 'admin-token'), 'utf8').trim();
    for (const user of ['alice', 'bob']) {
      const added = await cli('user', 'add', user, '--password', PASSWORDS[user] as string, '--config', configFile);
      expect(added.status, added.stderr).toBe(0);
    }
    const deployed = await cli('app', 'deploy', writeApp());
    expect(deployed.stderr).toBe('');
    expect(deployed.stdout).toBe(`deployed ${APP} 1.0.0\n`);
    const traced = await cli('trace', 'on', '--app', APP, '--for', '10m');
    expect(traced.status, traced.stderr).toBe(0);
    // The server's tracer polls its rules every second.
    await sleep(1500);
  }, 60_000);
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  /** `user`'s SIPp phone listening on `port`, registered with digest authentication. */
  async function register(user: string, port: number): Promise<void> {
    const run = await runSipp({
      scenario: 'register-auth.xml',
      remote: `127.0.0.1:${server.sipPort}`,
      localPort: await freePort(),
      extraArgs: [...sippKeys({ user, domain: DOMAIN, contact_port: String(port), q: '1.0', expires: '300' }), '-au', user, '-ap', PASSWORDS[user] as string, '-auth_uri', DOMAIN],
    });
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
  }

  /** Posts the named event; retried while the server has not picked the deployed app up yet (404: not delivered). */
  async function event(name: string, payload: unknown): Promise<unknown> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${server.httpPort}/api/v1/apps/${APP}/events/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      if (response.status !== 404 || Date.now() > deadline) {
        expect(response.status).toBe(202);
        return ((await response.json()) as { result: unknown }).result;
      }
      await sleep(200);
    }
  }

  /** `switchboard app kv wake-up KEY`, waited for. */
  async function kv(key: string): Promise<unknown> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const read = await cli('app', 'kv', APP, key);
      if (read.status === 0) return JSON.parse(read.stdout) as unknown;
      if (Date.now() > deadline) throw new Error(`app kv ${key} never appeared: ${read.stderr}\n${server.logs.slice(-20).join('\n')}`);
      await sleep(200);
    }
  }

  /** The traced call with `callId` (`switchboard trace list --json`), once written. */
  async function tracedCall(callId: string): Promise<TracedCall> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const list = await cli('trace', 'list', '--json');
      expect(list.status, list.stderr).toBe(0);
      const found = (JSON.parse(list.stdout) as TracedCall[]).find((call) => call.callId === callId);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`call ${callId} not traced:\n${list.stdout}`);
      await sleep(200);
    }
  }

  /** The ladder of a traced call as `direction first-word` steps (100 Trying and retransmissions dropped). */
  async function ladder(callId: string): Promise<string[]> {
    const shown = await cli('trace', 'show', callId, '--json');
    expect(shown.status, shown.stderr).toBe(0);
    const { messages: traced } = JSON.parse(shown.stdout) as { messages: Array<{ direction: string; firstLine: string; text: string }> };
    return traced
      .filter((m, i) => traced.findIndex((n) => n.direction === m.direction && n.text === m.text) === i)
      .map((m) => `${m.direction} ${m.firstLine.startsWith('SIP/2.0 ') ? `${m.firstLine.split(' ')[1]} ${/\r\nCSeq: *\d+ (\w+)/iu.exec(m.text)?.[1]}` : m.firstLine.split(' ')[0]}`)
      .filter((step) => !step.includes(' 100 '));
  }

  it("calls bob with the app's offer; bob answers with SDP and gets the ACK; the app's timer ends the call with BYE; traced from the INVITE", async () => {
    const bobPort = await freePort();
    const bob = await startSippUas({ scenario: 'app-invite-uas-answer-await-bye.xml', localPort: bobPort, timeoutSeconds: 20 });
    await register('bob', bobPort);

    expect(await event('call', { to: `sip:bob@${DOMAIN}`, tag: 'timer', holdMs: 500 })).toBeNull();
    const bobRun = await bob.run;
    expect(bobRun.exitCode, bobRun.errors || bobRun.stderr).toBe(0);

    // The INVITE reached bob's registered phone with the app's offer; To names bob, From the app.
    const invite = tracedTexts(bobRun, 'received', 'INVITE ')[0]!;
    expect(invite.split(' ')[1]).toContain(`:${bobPort}`);
    expect(header(invite, 'To')).toBe(`<sip:bob@${DOMAIN}>`);
    expect(header(invite, 'From')).toMatch(new RegExp(`^<sip:${APP}@${DOMAIN}>;tag=`, 'u'));
    expect(bodyOf(invite)).toContain('m=audio 40000 RTP/AVP 0');
    const callId = header(invite, 'Call-ID')!;
    // ACK, then the app's BYE in the same dialog.
    expect(header(tracedTexts(bobRun, 'received', 'ACK ')[0]!, 'Call-ID')).toBe(callId);
    expect(header(tracedTexts(bobRun, 'received', 'BYE ')[0]!, 'Call-ID')).toBe(callId);

    // What the app saw: the 200 with bob's answer, its terminate, the end by the app.
    const answer = (await kv('answer:timer')) as { status: number; body: string | null; call: { id: string; target: string } | null };
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('m=audio');
    expect(answer.body?.replace(/\r/gu, '').trim()).toBe(bodyOf(tracedTexts(bobRun, 'sent', 'SIP/2.0 200')[0]!).replace(/\r/gu, ''));
    expect(answer.call?.id).toMatch(/^uac:/u);
    expect(await kv('terminated:timer')).toBe(true);
    expect(await kv('ended:timer')).toMatchObject({ id: answer.call?.id, by: 'app', reason: 'terminated' });

    // The operator's trace of the app has the call from its first message on.
    expect(await tracedCall(callId)).toMatchObject({ matched: `app:${APP}`, linkedTo: null, firstLine: expect.stringMatching(/^INVITE sip:bob@127\.0\.0\.1:/u) });
    expect(await ladder(callId)).toEqual(['out INVITE', 'in 180 INVITE', 'in 200 INVITE', 'out ACK', 'out BYE', 'in 200 BYE']);
  }, 60_000);

  it("bob hangs up: the app's onCallEnded hears the callee", async () => {
    const bobPort = await freePort();
    const bob = await startSippUas({ scenario: 'ua-uas-answer-hangup.xml', localPort: bobPort, timeoutSeconds: 20 });
    await register('bob', bobPort);

    expect(await event('call', { to: `sip:bob@${DOMAIN}`, tag: 'callee' })).toBeNull();
    const bobRun = await bob.run;
    expect(bobRun.exitCode, bobRun.errors || bobRun.stderr).toBe(0);
    expect(tracedTexts(bobRun, 'sent', 'BYE ')).toHaveLength(1);

    const answer = (await kv('answer:callee')) as { status: number; call: { id: string } | null };
    expect(answer.status).toBe(200);
    expect(await kv('ended:callee')).toMatchObject({ id: answer.call?.id, by: 'callee', reason: 'remote-bye' });
    const callId = header(tracedTexts(bobRun, 'received', 'INVITE ')[0]!, 'Call-ID')!;
    expect(await ladder(callId)).toEqual(['out INVITE', 'in 180 INVITE', 'in 200 INVITE', 'out ACK', 'in BYE', 'out 200 BYE']);
  }, 60_000);

  it('connects alice and bob (click-to-dial): both legs are traced under the app from their INVITE, bob’s as a leg of alice’s', async () => {
    const alicePort = await freePort();
    const bobPort = await freePort();
    const alice = await startSippUas({ scenario: '3pcc-a-offer-await-bye.xml', localPort: alicePort, timeoutSeconds: 20 });
    const bob = await startSippUas({ scenario: 'ua-uas-answer-hangup.xml', localPort: bobPort, timeoutSeconds: 20 });
    await register('alice', alicePort);
    await register('bob', bobPort);

    const result = (await event('connect', { a: `sip:alice@${DOMAIN}`, b: `sip:bob@${DOMAIN}`, tag: 'connect' })) as { call: string };
    expect(result.call).toMatch(/^3pcc:/u);
    const [aliceRun, bobRun] = await Promise.all([alice.run, bob.run]);
    expect(aliceRun.exitCode, aliceRun.errors || aliceRun.stderr).toBe(0);
    expect(bobRun.exitCode, bobRun.errors || bobRun.stderr).toBe(0);
    expect(await kv('ended:connect')).toMatchObject({ id: result.call, by: 'callee', reason: 'remote-bye' });

    const aCallId = header(tracedTexts(aliceRun, 'received', 'INVITE ')[0]!, 'Call-ID')!;
    const bCallId = header(tracedTexts(bobRun, 'received', 'INVITE ')[0]!, 'Call-ID')!;
    expect(bCallId).not.toBe(aCallId);
    expect(await tracedCall(aCallId)).toMatchObject({ matched: `app:${APP}`, linkedTo: null, firstLine: expect.stringMatching(/^INVITE sip:alice@127\.0\.0\.1:/u) });
    expect(await tracedCall(bCallId)).toMatchObject({ matched: `app:${APP}`, linkedTo: aCallId, firstLine: expect.stringMatching(/^INVITE sip:bob@127\.0\.0\.1:/u) });
    expect((await ladder(aCallId))[0]).toBe('out INVITE');
    expect(await ladder(bCallId)).toEqual(['out INVITE', 'in 180 INVITE', 'in 200 INVITE', 'out ACK', 'in BYE', 'out 200 BYE']);
    // `switchboard trace list` as the operator reads it.
    const list = await cli('trace', 'list');
    expect(list.stdout).toMatch(new RegExp(`app:${APP} +${bCallId} +INVITE sip:bob@127\\.0\\.0\\.1:\\d+\\S* SIP/2\\.0  \\(leg of ${aCallId}\\)`, 'u'));
  }, 60_000);
});
