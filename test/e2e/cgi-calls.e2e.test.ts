/**
 * SIP-CGI (RFC 3050, issue 6) on live calls: SIPp callers and callees over real UDP through the
 * in-process registrar + proxy with the SIP-CGI engine (createCgiEngine) as its only service
 * engine. Scripts are dropped into a cgi-bin folder after the server started (no restart) under
 * users/<callee>@sb.test; the apps/cgi samples are used as shipped where they fit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCgiEngine, type CgiServiceEngine } from '../../platform/cgi/index.js';
import { processState, ScriptDir } from '../../platform/cgi/test-support.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { finalResponse, headerValue, runSipp, tracedMessages, tracedTexts, type SippRun } from '../support/sipp.js';
import { sleep } from '../support/until.js';

const DOMAIN = 'sb.test';
const SAMPLES = fileURLToPath(new URL('../../apps/cgi/', import.meta.url));

describe('SIP-CGI scripts on calls through the proxy (SIPp over UDP)', () => {
  const bin = new ScriptDir();
  const logLines: string[] = [];
  let cgi: CgiServiceEngine;
  let server: ProxyServer;
  let remote: string;

  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
    cgi = createCgiEngine({ cgiBin: bin.root, timeoutMs: 1500, scriptCacheMs: 0 }, logger, { serverName: DOMAIN });
    server = await startProxyServer({ domains: [DOMAIN], engines: [cgi], logger: pino({ level: 'silent' }) });
    remote = `127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.stop();
    bin.remove();
  });

  const script = (callee: string, text: string): string => bin.write(`users/${callee}@${DOMAIN}.sh`, text);
  /** Drop a sample from apps/cgi in as the callee's script, optionally edited for the test. */
  const sample = (callee: string, file: string, edit: (text: string) => string = (text) => text): void => {
    bin.write(`users/${callee}@${DOMAIN}${file.slice(file.lastIndexOf('.'))}`, edit(readFileSync(join(SAMPLES, file), 'utf8')));
  };

  async function call(callee: string, scenario = 'cgi-uac-any.xml'): Promise<SippRun> {
    const run = await runSipp({
      scenario,
      remote,
      localPort: await freePort(),
      timeoutSeconds: 15,
      extraArgs: ['-key', 'callee', callee, '-key', 'domain', DOMAIN],
    });
    expect(run.exitCode, `${run.errors}\n${run.stderr}\n${run.messages}`).toBe(0);
    return run;
  }

  /** A SIPp callee on a fresh port; resolves when it is done. */
  async function phone(scenario: string): Promise<{ port: number; done: Promise<SippRun> }> {
    const port = await freePort();
    const done = runSipp({ scenario, localPort: port, timeoutSeconds: 15, extraArgs: ['-d', '0'] });
    await sleep(300); // let SIPp bind before anything is sent to it
    return { port, done };
  }

  it('responds directly: the RFC §4 example 1 sample in shell (hello-200.sh)', async () => {
    sample('hello-sh', 'hello-200.sh');
    const final = finalResponse(await call('hello-sh'));
    expect(final).toMatch(/^SIP\/2\.0 200 OK/);
    expect(headerValue(final, 'Subject')).toBe(`hello from SIP-CGI (INVITE sip:hello-sh@${DOMAIN})`);
    expect(headerValue(final, 'To')).toMatch(/;tag=/);
  });

  it('responds directly: the same sample in Node (hello-200.mjs)', async () => {
    sample('hello-node', 'hello-200.mjs');
    const final = finalResponse(await call('hello-node'));
    expect(final).toMatch(/^SIP\/2\.0 200 OK/);
    expect(headerValue(final, 'Subject')).toContain('hello from SIP-CGI');
  });

  it("re-runs the script with the ACK of its own 200 (§5.11.1); the server holds the dialog and answers the BYE", async () => {
    const marker = bin.path('ack-seen.txt');
    script(
      'answering',
      `#!/bin/sh\nif [ "$REQUEST_METHOD" = "ACK" ]; then echo "$REQUEST_METHOD $SIP_CSEQ" > "${marker}"; exit 0; fi\n` +
        `printf 'SIP/2.0 200 OK\\nContact: <sip:somewhere@192.0.2.1>\\n\\nCGI-AGAIN yes SIP/2.0\\n'\n`,
    );
    const run = await call('answering', 'cgi-uac-answered.xml');
    const ok = finalResponse(run);
    // Our Contact, not the script's: the dialog (ACK, BYE) is the server's.
    expect(headerValue(ok, 'Contact')).toMatch(/^<sip:[^>]*127\.0\.0\.1/);
    expect(tracedTexts(run, 'received').filter((text) => /^SIP\/2\.0 200 /.test(text)).length).toBeGreaterThanOrEqual(2); // the 200 and the BYE's 200
    await sleep(300);
    expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe('ACK 1 ACK\n');
  });

  it('hands the script the metavariables and the body (screen-caller sample: 403 with a text body)', async () => {
    // The sample blocks one caller; make it our SIPp caller.
    sample('screened', 'screen-caller.sh', (text) => text.replace(/^BLOCKED=.*$/m, 'BLOCKED="sip:caller@outside.test"'));
    const final = finalResponse(await call('screened'));
    expect(final).toMatch(/^SIP\/2\.0 403 Forbidden/);
    expect(final).toMatch(/calls from sip:caller@outside\.test are refused$/);
  });

  it('proxies to one destination (CGI-PROXY-REQUEST) and the call completes', async () => {
    const callee = await phone('uas-answer.xml');
    script('one', `#!/bin/sh\necho "CGI-PROXY-REQUEST sip:desk@127.0.0.1:${callee.port} SIP/2.0"\necho "Contact: <sip:server1@company.com>"\necho\n`);
    await call('one', 'cgi-uac-call.xml');
    const uas = await callee.done;
    expect(uas.exitCode, uas.errors).toBe(0);
    const invite = tracedMessages(uas.messages).find((m) => m.direction === 'received' && m.text.startsWith('INVITE'));
    expect(invite?.text).toMatch(new RegExp(`^INVITE sip:desk@127\\.0\\.0\\.1:${callee.port} SIP/2\\.0`));
    expect(headerValue(invite?.text ?? '', 'Max-Forwards')).toBe('69');
    expect(headerValue(invite?.text ?? '', 'Contact')).toBe('<sip:server1@company.com>');
  });

  it('proxies to two destinations (two CGI-PROXY-REQUESTs fork): the busy one loses, the answer wins', async () => {
    const busy = await phone('cgi-uas-busy.xml');
    const desk = await phone('uas-answer.xml');
    script(
      'fork',
      `#!/bin/sh\necho "CGI-PROXY-REQUEST sip:busy@127.0.0.1:${busy.port} SIP/2.0"\necho\necho "CGI-PROXY-REQUEST sip:desk@127.0.0.1:${desk.port} SIP/2.0"\necho\n`,
    );
    const caller = await call('fork', 'cgi-uac-call.xml');
    expect(tracedTexts(caller, 'received').some((text) => text.startsWith('SIP/2.0 200'))).toBe(true);
    const [busyRun, deskRun] = await Promise.all([busy.done, desk.done]);
    expect(busyRun.exitCode, busyRun.errors).toBe(0);
    expect(deskRun.exitCode, deskRun.errors).toBe(0);
  });

  it('forwards a response with changed headers (CGI-AGAIN yes, then CGI-FORWARD-RESPONSE this)', async () => {
    const busy = await phone('cgi-uas-busy.xml');
    script(
      'fwd',
      `#!/bin/sh
if [ -n "$REQUEST_METHOD" ]; then
  printf 'CGI-PROXY-REQUEST sip:busy@127.0.0.1:${busy.port} SIP/2.0\\nCGI-Request-Token: first\\n\\nCGI-AGAIN yes SIP/2.0\\n'
  exit 0
fi
echo "CGI-FORWARD-RESPONSE this SIP/2.0"
echo "Retry-After: 120"
echo "X-Cgi-Seen: $RESPONSE_STATUS $REQUEST_TOKEN $([ -n "$RESPONSE_TOKEN" ] && echo has-token) $SIP_X_CALLEE"
echo
`,
    );
    const final = finalResponse(await call('fwd'));
    expect(final).toMatch(/^SIP\/2\.0 486 Busy Here/);
    expect(headerValue(final, 'Retry-After')).toBe('120');
    expect(headerValue(final, 'To')).toMatch(/SIPpTag01/); // the callee's own response, its To-tag kept
    expect(headerValue(final, 'X-Cgi-Seen')).toBe('486 first has-token busy-phone');
    expect((await busy.done).exitCode).toBe(0);
  });

  it('removes header fields on a live call: CGI-Remove and Content-Length: 0 on the proxied INVITE, an empty value on the forwarded response', async () => {
    const busy = await phone('cgi-uas-busy.xml');
    script(
      'strip',
      `#!/bin/sh
if [ -n "$REQUEST_METHOD" ]; then
  printf 'CGI-PROXY-REQUEST sip:busy@127.0.0.1:${busy.port} SIP/2.0\\nCGI-Remove: Subject, X-Not-There\\nContent-Length: 0\\n\\nCGI-AGAIN yes SIP/2.0\\n'
  exit 0
fi
printf 'CGI-FORWARD-RESPONSE this SIP/2.0\\nX-Callee:\\n\\n'
`,
    );
    const final = finalResponse(await call('strip'));
    expect(final).toMatch(/^SIP\/2\.0 486 Busy Here/);
    expect(headerValue(final, 'X-Callee')).toBeUndefined(); // removed by the empty value (§5.6.1.2)
    const uas = await busy.done;
    expect(uas.exitCode, uas.errors).toBe(0);
    const invite = tracedMessages(uas.messages).find((m) => m.direction === 'received' && m.text.startsWith('INVITE'))?.text ?? '';
    expect(invite).toMatch(/^INVITE sip:busy@/);
    expect(headerValue(invite, 'Subject')).toBeUndefined(); // the caller sent one; CGI-Remove took it
    expect(headerValue(invite, 'Content-Type')).toBeUndefined(); // Content-Length: 0 deleted the body
    expect(headerValue(invite, 'Content-Length')).toBe('0');
    expect(invite).not.toContain('v=0');
  });

  it('carries the cookie from the request invocation to the response invocation (CGI-SET-COOKIE)', async () => {
    const busy = await phone('cgi-uas-busy.xml');
    script(
      'cookie',
      `#!/bin/sh
if [ -n "$REQUEST_METHOD" ]; then
  [ -z "\${SCRIPT_COOKIE+set}" ] || exit 7   # a new transaction has no cookie (§3.2)
  printf 'CGI-SET-COOKIE khsihppii8asdl SIP/2.0\\nCGI-AGAIN yes SIP/2.0\\nCGI-PROXY-REQUEST sip:busy@127.0.0.1:${busy.port} SIP/2.0\\n\\n'
  exit 0
fi
printf 'SIP/2.0 480 Temporarily Unavailable\\nX-Cookie: %s\\n\\n' "$SCRIPT_COOKIE"
`,
    );
    const final = finalResponse(await call('cookie'));
    expect(final).toMatch(/^SIP\/2\.0 480 /);
    expect(headerValue(final, 'X-Cookie')).toBe('khsihppii8asdl');
  });

  it('runs the RFC §3.2 narrative (forward-busy sample): busy → voice mail answers', async () => {
    const busy = await phone('cgi-uas-busy.xml');
    const voicemail = await phone('uas-answer.xml');
    sample('fb', 'forward-busy.sh', (text) =>
      text
        .replace(/^FIRST=.*$/m, `FIRST="sip:bob@127.0.0.1:${busy.port}"`)
        .replace(/^VOICEMAIL=.*$/m, `VOICEMAIL="sip:voicemail@127.0.0.1:${voicemail.port}"`),
    );
    const caller = await call('fb', 'cgi-uac-call.xml');
    expect(tracedTexts(caller, 'received').some((m) => m.startsWith('SIP/2.0 200'))).toBe(true);
    // The script printed 181 before CGI-PROXY-REQUEST: it reaches the caller before anything
    // a phone sent (voice mail's 180 and 200), as the RFC §3.2 narrative has it.
    const statuses = tracedTexts(caller, 'received').map((m) => m.slice(8, 11));
    expect(statuses).toContain('181');
    expect(statuses.indexOf('181')).toBeLessThan(statuses.indexOf('180'));
    expect(statuses.indexOf('181')).toBeLessThan(statuses.indexOf('200'));
    const ok = tracedTexts(caller, 'received').find((m) => m.startsWith('SIP/2.0 200')) ?? '';
    expect(headerValue(ok, 'X-Forwarded-By')).toBe('forward-busy (voicemail)');
    expect((await busy.done).exitCode).toBe(0);
    expect((await voicemail.done).exitCode).toBe(0);
  });

  it('tracks the script\'s Expires locally: the phone is CANCELled and the script gets a local 408 (§5.7, §5.8)', async () => {
    const ringing = await phone('uas-ring-cancel.xml');
    script(
      'no-answer',
      `#!/bin/sh
if [ -n "$REQUEST_METHOD" ]; then
  printf 'CGI-PROXY-REQUEST sip:desk@127.0.0.1:${ringing.port} SIP/2.0\\nExpires: 1\\n\\nCGI-AGAIN yes SIP/2.0\\n'
  exit 0
fi
case "$RESPONSE_STATUS" in
  1??) echo "CGI-AGAIN yes SIP/2.0" ;;
  *) printf 'SIP/2.0 480 Temporarily Unavailable\\nX-Local: %s %s\\n\\n' "$RESPONSE_STATUS" "$REMOTE_ADDR" ;;
esac
`,
    );
    const final = finalResponse(await call('no-answer'));
    expect(final).toMatch(/^SIP\/2\.0 480 /);
    expect(headerValue(final, 'X-Local')).toBe('408 127.0.0.1');
    const uas = await ringing.done;
    expect(uas.exitCode, uas.errors).toBe(0); // it saw the CANCEL
  });

  it('CGI-AGAIN no: the script is not run for the response; the caller gets it unchanged', async () => {
    const busy = await phone('cgi-uas-busy.xml');
    script(
      'again-no',
      `#!/bin/sh
echo run >> again-no.runs
printf 'CGI-PROXY-REQUEST sip:busy@127.0.0.1:${busy.port} SIP/2.0\\n\\nCGI-AGAIN no SIP/2.0\\n'
[ -n "$RESPONSE_STATUS" ] && printf 'SIP/2.0 500 Should Not Run\\n\\n'
exit 0
`,
    );
    const final = finalResponse(await call('again-no'));
    expect(final).toMatch(/^SIP\/2\.0 486 Busy Here/);
    expect(bin.read('users/again-no.runs').trim().split('\n')).toEqual(['run']);
  });

  it('a script that hangs is killed with its whole process group: 504', async () => {
    script('slow', `#!/bin/sh\nsleep 30 &\necho $! > slow.pid\nwait\n`);
    const started = Date.now();
    const final = finalResponse(await call('slow'));
    expect(final).toMatch(/^SIP\/2\.0 504 /);
    expect(Date.now() - started).toBeLessThan(5000);
    const pid = Number(bin.read('users/slow.pid'));
    await sleep(100);
    const state = processState(pid);
    // Killed; an orphan is left for PID 1 to reap, never our child.
    expect(state === undefined || state.state === 'Z').toBe(true);
    expect(logLines.some((line) => line.includes('"code":"timeout"'))).toBe(true);
  });

  it('a script that crashes (non-zero exit): 500, its output ignored', async () => {
    script('crash', `#!/bin/sh\necho "SIP/2.0 200 OK"\necho\necho "oops" >&2\nexit 3\n`);
    const final = finalResponse(await call('crash'));
    expect(final).toMatch(/^SIP\/2\.0 500 /);
    expect(logLines.some((line) => line.includes('"code":"exit-status"') && line.includes('oops'))).toBe(true);
  });

  it('garbage output: 500 and the parse error in the log, the server keeps serving', async () => {
    script('garbage', `#!/bin/sh\necho "HELLO WORLD this is not SIP-CGI"\n`);
    const final = finalResponse(await call('garbage'));
    expect(final).toMatch(/^SIP\/2\.0 500 /);
    const logged = logLines.find((line) => line.includes('"code":"malformed-output"'));
    expect(logged).toBeDefined();
    expect(logged).toMatch(/"line":1/);
    // Still answering.
    sample('after-garbage', 'hello-200.sh');
    expect(finalResponse(await call('after-garbage'))).toMatch(/^SIP\/2\.0 200 /);
  });

  it('a request with no script is routed as if SIP-CGI did not exist (404: no such user)', async () => {
    expect(existsSync(bin.path(`users/nobody@${DOMAIN}.sh`))).toBe(false);
    expect(finalResponse(await call('nobody'))).toMatch(/^SIP\/2\.0 404 /);
    expect(cgi.engine.activeTransactions).toBe(0);
  });
});
