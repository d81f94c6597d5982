/**
 * The README walkthrough against the REAL `switchboard start` process (issue 3, "Done when"):
 * two users added with the real CLI while the server runs, two SIPp phones registering with
 * digest authentication, one calling the other through the proxy with Record-Route. Then a
 * restart on the same data folder keeps the users and the unexpired bindings: a phone that
 * registered before the restart is reached after it without registering again.
 *
 * SIPp 3.6 answers only MD5 challenges and takes the first one it is given, so the config file
 * offers MD5 first (as the README tells SIPp users to).
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { runCli, startServer, type RunningServer } from '../support/server-process.js';
import { runSipp, sippKeys, type SippRun } from '../support/sipp.js';
import { sleep } from '../support/until.js';

const DOMAIN = 'sb.test';
const PASSWORDS: Record<string, string> = { alice: 'alice-secret-1', bob: 'bob-secret-2' };

describe('switchboard start as registrar and proxy for two SIPp phones', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-data-'));
  const configFile = join(mkdtempSync(join(tmpdir(), 'switchboard-e2e-config-')), 'switchboard.yaml');
  let server: RunningServer;

  beforeAll(async () => {
    writeFileSync(configFile, `domains: [${DOMAIN}]\nauth:\n  algorithms: [MD5, SHA-256]\n`);
    server = await startServer({ args: ['--config', configFile], dataDir });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  const remote = (): string => `127.0.0.1:${server.sipPort}`;

  async function register(user: string, contactPort: number): Promise<SippRun> {
    return runSipp({
      scenario: 'register-auth.xml',
      remote: remote(),
      localPort: await freePort(),
      extraArgs: [...sippKeys({ user, domain: DOMAIN, contact_port: String(contactPort), q: '1.0', expires: '600' }), '-au', user, '-ap', PASSWORDS[user] as string, '-auth_uri', DOMAIN],
    });
  }

  /** A SIPp phone answering one call on `port`; `done` resolves when SIPp exits. */
  async function phone(port: number): Promise<{ done: Promise<SippRun> }> {
    const done = runSipp({ scenario: 'uas-answer.xml', localPort: port, calls: 1, timeoutSeconds: 20 });
    await sleep(300); // let SIPp bind before a call is routed to it
    return { done };
  }

  async function aliceCallsBob(): Promise<SippRun> {
    return runSipp({
      scenario: 'uac-call-auth.xml',
      remote: remote(),
      localPort: await freePort(),
      timeoutSeconds: 20,
      extraArgs: [...sippKeys({ user: 'alice', callee: 'bob', domain: DOMAIN }), '-au', 'alice', '-ap', PASSWORDS.alice as string, '-auth_uri', `bob@${DOMAIN}`],
    });
  }

  it('adds two users with the CLI while the server runs (password as a flag and on stdin)', async () => {
    const alice = await runCli(['user', 'add', 'alice', '--config', configFile, '--data-dir', dataDir, '--password', PASSWORDS.alice as string]);
    expect(alice.status, alice.stderr).toBe(0);
    expect(alice.stdout).toBe(`added alice@${DOMAIN}\n`);
    const bob = await runCli(['user', 'add', `bob@${DOMAIN}`, '--config', configFile, '--data-dir', dataDir, '--display-name', 'Bob'], `${PASSWORDS.bob}\n`);
    expect(bob.status, bob.stderr).toBe(0);
    const again = await runCli(['user', 'add', 'bob', '--config', configFile, '--data-dir', dataDir, '--password', 'x']);
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(`error: user bob@${DOMAIN} already exists\n`);
  });

  it('registers both phones with digest authentication and calls bob from alice with Record-Route', async () => {
    const bobPort = await freePort();
    const bobPhone = await phone(bobPort);
    const bobRegistration = await register('bob', bobPort);
    expect(bobRegistration.exitCode, bobRegistration.errors || bobRegistration.stderr).toBe(0);
    expect(bobRegistration.messages).toMatch(/SIP\/2\.0 401 Unauthorized/);
    const aliceRegistration = await register('alice', await freePort());
    expect(aliceRegistration.exitCode, aliceRegistration.errors || aliceRegistration.stderr).toBe(0);

    const call = await aliceCallsBob();
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    const callee = await bobPhone.done;
    expect(callee.exitCode, callee.errors || callee.stderr).toBe(0);
    // Alice was challenged as a caller (§22.3) and answered.
    expect(call.messages).toMatch(/SIP\/2\.0 407 Proxy Authentication Required/);
    expect(call.messages).toMatch(/^Proxy-Authorization: Digest username="alice"/m);
    // Bob got the INVITE with our Record-Route, and the in-dialog ACK and BYE came the same way.
    expect(callee.messages).toContain(`Record-Route: <sip:127.0.0.1:${server.sipPort};lr>`);
    expect(callee.messages).toMatch(/^ACK sip:/m);
    expect(callee.messages).toMatch(/^BYE sip:/m);
    expect(call.messages).toMatch(new RegExp(`^Route: <sip:127\\.0\\.0\\.1:${server.sipPort};lr>`, 'm'));
    expect(callee.messages).not.toMatch(/Proxy-Authorization/);
  });

  it('keeps users and unexpired bindings across a restart', async () => {
    // Bob registers a phone that is not up yet; the binding is all that survives the restart.
    const bobPort = await freePort();
    expect((await register('bob', bobPort)).exitCode).toBe(0);

    const { sipPort, httpPort } = server;
    expect(await server.stop()).toBe(0);
    server = await startServer({ args: ['--config', configFile], dataDir, sipPort, httpPort });

    const list = await runCli(['user', 'list', '--json', '--config', configFile, '--data-dir', dataDir]);
    expect(list.status, list.stderr).toBe(0);
    const users = JSON.parse(list.stdout) as Array<{ aor: string; displayName?: string }>;
    expect(users.map((user) => user.aor)).toEqual([`alice@${DOMAIN}`, `bob@${DOMAIN}`]);
    expect(users[1]?.displayName).toBe('Bob');

    const bobPhone = await phone(bobPort);
    const call = await aliceCallsBob();
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    const callee = await bobPhone.done;
    expect(callee.exitCode, callee.errors || callee.stderr).toBe(0);
    expect(callee.messages).toMatch(/^BYE sip:/m);
  });

  it('traces the calls of one user when an operator switches it on with the CLI, while the server runs', async () => {
    const on = await runCli(['trace', 'on', '--user', `bob@${DOMAIN}`, '--for', '10m', '--data-dir', dataDir]);
    expect(on.status, on.stderr).toBe(0);
    await sleep(1500); // the server reads rule changes about once a second
    const bobPort = await freePort();
    expect((await register('bob', bobPort)).exitCode).toBe(0);
    const bobPhone = await phone(bobPort);
    const call = await aliceCallsBob();
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    expect((await bobPhone.done).exitCode).toBe(0);
    const callId = /^Call-ID: *(.+?)\r?$/m.exec(call.messages)?.[1];
    expect(callId).toBeDefined();
    await sleep(300); // captured messages are written in batches
    const show = await runCli(['trace', 'show', callId as string, '--json', '--data-dir', dataDir]);
    expect(show.status, show.stderr).toBe(0);
    const trace = JSON.parse(show.stdout) as { messages: Array<{ direction: string; text: string }> };
    const lines = trace.messages.map((message) => `${message.direction} ${message.text.split('\r\n')[0]}`);
    expect(lines[0]).toMatch(/^in INVITE sip:bob@/);
    expect(lines).toContainEqual(expect.stringMatching(/^out INVITE sip:/));
    expect(lines).toContainEqual(expect.stringMatching(/^out SIP\/2\.0 200 OK/));
    expect(lines).toContainEqual(expect.stringMatching(/^in BYE sip:/));
    // Credentials are not kept.
    expect(trace.messages.map((message) => message.text).join('\n')).not.toMatch(/response="[0-9a-f]{32}"/);
    const off = await runCli(['trace', 'off', '--user', `bob@${DOMAIN}`, '--data-dir', dataDir]);
    expect(off.status, off.stderr).toBe(0);
  });

  it('refuses to relay for strangers: preloaded Route and in-dialog requests that never came through it', async () => {
    const ask = async (lines: string[]): Promise<string> => {
      const socket = createSocket('udp4');
      const replies: string[] = [];
      socket.on('message', (data) => replies.push(data.toString('latin1')));
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
      const port = socket.address().port;
      const text = lines.join('\r\n').replaceAll('PORT', String(port)) + '\r\nContent-Length: 0\r\n\r\n';
      socket.send(Buffer.from(text, 'latin1'), server.sipPort, '127.0.0.1');
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && !replies.some((reply) => !reply.startsWith('SIP/2.0 1'))) await sleep(10);
      socket.close();
      return replies.find((reply) => !reply.startsWith('SIP/2.0 1')) ?? '';
    };
    const common = (method: string, callId: string): string[] => [
      `Via: SIP/2.0/UDP 127.0.0.1:PORT;branch=z9hG4bK-${callId}`,
      'Max-Forwards: 70',
      'From: <sip:mallory@outside.test>;tag=m1',
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
    ];
    const preloaded = await ask([`MESSAGE sip:bob@${DOMAIN} SIP/2.0`, ...common('MESSAGE', 'preloaded'), `To: <sip:bob@${DOMAIN}>`, 'Route: <sip:192.0.2.7;lr>']);
    expect(preloaded).toMatch(/^SIP\/2\.0 403 Relaying Forbidden\r\n/);
    const inDialog = await ask(['BYE sip:victim@192.0.2.8 SIP/2.0', ...common('BYE', 'in-dialog'), 'To: <sip:victim@192.0.2.8>;tag=v1']);
    expect(inDialog).toMatch(/^SIP\/2\.0 403 Relaying Forbidden\r\n/);
  });
});
