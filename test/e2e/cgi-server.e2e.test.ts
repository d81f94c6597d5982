/**
 * SIP-CGI in the real server (issue 6, "done when"): `switchboard start --config FILE` with a
 * `cgi:` section, an operator drops an executable into the cgi-bin folder while the server
 * runs, and SIPp calls get the script's answer — no restart; an edited or deleted script takes
 * effect the same way. A bad `cgi:` section stops the server at startup with a message naming
 * the key. Needs `npm run build` (the server runs from dist/, as `npm test` builds it).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { runCli, startServer, type RunningServer } from '../support/server-process.js';
import { TestUa } from '../support/test-ua.js';
import { finalResponse, headerValue, runSipp } from '../support/sipp.js';
import { sleep } from '../support/until.js';

const DOMAIN = 'sb.test';

describe('SIP-CGI in `switchboard start` (real process, SIPp over UDP)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-cgi-server-'));
  const cgiBin = join(dir, 'cgi-bin');
  let server: RunningServer;
  let config = '';

  beforeAll(async () => {
    // The folder exists but is empty: nothing is scripted when the server starts.
    mkdirSync(join(cgiBin, 'users'), { recursive: true });
    config = join(dir, 'switchboard.yaml');
    // scriptCacheMs stays at its default (1 s): what an operator gets.
    writeFileSync(config, `domains: [${DOMAIN}]\ncgi:\n  cgiBin: ${cgiBin}\n  timeoutMs: 1500\n`);
    server = await startServer({ args: ['--config', config] });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(callee: string): Promise<string> {
    const run = await runSipp({
      scenario: 'cgi-uac-any.xml',
      remote: `127.0.0.1:${server.sipPort}`,
      localPort: await freePort(),
      timeoutSeconds: 15,
      extraArgs: ['-key', 'callee', callee, '-key', 'domain', DOMAIN],
    });
    expect(run.exitCode, `${run.errors}\n${run.stderr}\n${run.messages}`).toBe(0);
    return finalResponse(run);
  }

  /** What the README tells an operator to do: write the file, make it executable. */
  function drop(name: string, text: string): void {
    const path = join(cgiBin, 'users', name);
    writeFileSync(path, text);
    chmodSync(path, 0o755);
  }

  it('runs a script dropped into cgi-bin while the server runs; edits and deletions apply without a restart', async () => {
    // Before: no script, no such user → routed as if SIP-CGI did not exist.
    expect(await call('alice')).toMatch(/^SIP\/2\.0 404 /);

    drop(
      `alice@${DOMAIN}.sh`,
      [
        '#!/bin/sh',
        'echo "SIP/2.0 200 OK"',
        'echo "Subject: hello from SIP-CGI ($REQUEST_METHOD $REQUEST_URI, from $SIP_FROM)"',
        'echo "X-Env: $GATEWAY_INTERFACE $SERVER_NAME $SERVER_PORT $SERVER_PROTOCOL $SERVER_SOFTWARE"',
        'echo',
        '',
      ].join('\n'),
    );
    await sleep(1200); // the folder listing is trusted for scriptCacheMs (1 s)
    const ok = await call('alice');
    expect(ok).toMatch(/^SIP\/2\.0 200 OK/);
    expect(headerValue(ok, 'Subject')).toMatch(/^hello from SIP-CGI \(INVITE sip:alice@sb\.test, from <sip:caller@outside\.test>;tag=\S+\)$/);
    expect(headerValue(ok, 'X-Env')).toMatch(new RegExp(`^SIP-CGI/1\\.1 ${DOMAIN} ${server.sipPort} SIP/2\\.0 Switchboard/\\d+\\.\\d+\\.\\d+$`));
    expect(headerValue(ok, 'To')).toMatch(/;tag=/);

    // Edited in place: the next call runs the new text at once (scripts are executed, not cached).
    drop(`alice@${DOMAIN}.sh`, '#!/bin/sh\nprintf "SIP/2.0 486 Busy Here\\nRetry-After: 60\\n\\n"\n');
    const busy = await call('alice');
    expect(busy).toMatch(/^SIP\/2\.0 486 Busy Here/);
    expect(headerValue(busy, 'Retry-After')).toBe('60');

    // Deleted: back to the default within the cache time.
    unlinkSync(join(cgiBin, 'users', `alice@${DOMAIN}.sh`));
    await sleep(1200);
    expect(await call('alice')).toMatch(/^SIP\/2\.0 404 /);
  });

  it('a script that hangs gets the caller a 504 at the configured timeout, logged, and the server keeps answering', async () => {
    drop(`slow@${DOMAIN}`, '#!/bin/sh\nsleep 30\n');
    drop(`quick@${DOMAIN}.sh`, '#!/bin/sh\necho "SIP/2.0 200 OK"\necho\n');
    await sleep(1200);
    const started = Date.now();
    let quickAt = 0;
    const [slow, quick] = await Promise.all([
      call('slow'),
      sleep(200).then(async () => {
        const answer = await call('quick');
        quickAt = Date.now() - started;
        return answer;
      }),
    ]);
    expect(slow).toMatch(/^SIP\/2\.0 504 /);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(quick).toMatch(/^SIP\/2\.0 200 /);
    expect(quickAt).toBeLessThan(1400); // answered while the other script still hung
    await sleep(100);
    expect(server.logs.some((line) => line.includes('"code":"timeout"') && line.includes(`slow@${DOMAIN}`))).toBe(true);
  });

  it("runs the AOR's script for REGISTER (RFC 3050 §5.9): its 200 answers and nothing is registered; silence registers as usual", async () => {
    const added = await runCli(['user', 'add', 'carol', '--config', config, '--data-dir', server.dataDir, '--password', 'pw-carol']);
    expect(added.status, added.stderr).toBe(0);
    const phone = await new TestUa({ name: 'carol', proxy: { host: '127.0.0.1', port: server.sipPort }, domain: DOMAIN, password: 'pw-carol' }).start();
    try {
      drop(`carol@${DOMAIN}.sh`, '#!/bin/sh\nif [ "$REQUEST_METHOD" = REGISTER ]; then echo "SIP/2.0 200 OK"; echo "X-Handled-By: cgi $REMOTE_USER"; echo; fi\n');
      await sleep(1200);
      const handled = await phone.register({ expires: 600 });
      expect(handled.status).toBe(200);
      expect(handled.getHeader('X-Handled-By')).toBe('cgi carol');
      // Nothing stored: a call to carol finds no phone.
      expect(await call('carol')).toMatch(/^SIP\/2\.0 480 /);

      drop(`carol@${DOMAIN}.sh`, '#!/bin/sh\n');
      await sleep(1200);
      const registered = await phone.register({ expires: 600 });
      expect(registered.status).toBe(200);
      expect(registered.getHeader('X-Handled-By')).toBeUndefined();
      expect(registered.getHeader('Contact')).toContain(phone.contact);
    } finally {
      await phone.stop();
    }
  });
});

describe('a bad `cgi:` section', () => {
  it('stops `switchboard start` with a message naming each wrong key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cgi-bad-'));
    try {
      const config = join(dir, 'switchboard.yaml');
      writeFileSync(config, `domains: [${DOMAIN}]\ncgi:\n  cgiBin: ./cgi-bin\n  timeoutMs: -5\n  timeout: 5000\n  routes:\n    - { match: "^sip:conf-(", script: conf.sh }\n`);
      const error = await startServer({ args: ['--config', config] }).then(
        async (running) => {
          await running.stop();
          return undefined;
        },
        (e: unknown) => e as Error,
      );
      expect(error, 'the server started with a bad cgi section').toBeInstanceOf(Error);
      const message = error?.message ?? '';
      expect(message).toMatch(/server exited with 1 before starting/);
      expect(message).toContain('error: invalid configuration: the cgi section (SIP-CGI) has 3 problems:');
      expect(message).toMatch(/cgi\.timeoutMs: Too small/);
      expect(message).toContain('cgi: Unrecognized key: "timeout"');
      expect(message).toContain('cgi.routes.0.match: not a valid regular expression');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
