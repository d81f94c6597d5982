import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../log/logger.js';
import { formatUri, type SipRequest, type SipResponse } from '../sip/index.js';
import { CgiEngine, type CgiEngineOptions } from './cgi-engine.js';
import type { CgiDecision, ForwardResponseStep, NewRequestStep, ProxyStep, RespondStep } from './cgi-decision.js';
import { ourZombies, request, response, ScriptDir, waitFor } from './test-support.js';

const bin = new ScriptDir();
afterAll(() => bin.remove());

let counter = 0;

/** A per-domain script for a fresh domain; returns a request for that domain. */
function scriptFor(body: string, method = 'INVITE', extraHeaders = '', requestBody = ''): { invite: SipRequest; domain: string; log: string } {
  const domain = `t${++counter}.example`;
  const log = bin.path(`${domain}.log`);
  bin.write(`domains/${domain}.sh`, `#!/bin/sh\nLOG="${log}"\n${body}\n`);
  return { invite: request(extraHeaders, requestBody, method, `sip:bob@${domain}`), domain, log };
}

function engine(options: Partial<CgiEngineOptions> = {}): CgiEngine {
  return new CgiEngine({
    logger: silentLogger,
    cgiBin: bin.root,
    server: { name: 'sip.example.com', software: 'Switchboard/0.1.0' },
    scriptCacheMs: 0,
    invoker: { timeoutMs: 2000 },
    ...options,
  });
}

function capture(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

const facts = (txId: string) => ({ txId, remoteAddress: '192.0.2.10', localPort: 5060 });
const respond = (d: CgiDecision, i = 0) => d.steps[i] as RespondStep;
const proxy = (d: CgiDecision, i = 0) => d.steps[i] as ProxyStep;

describe('CgiEngine: requests (RFC 3050 §5.6.1)', () => {
  it('takes the default action, with no state kept, when no script matches', async () => {
    const e = engine();
    const decision = await e.handleRequest(request('', '', 'INVITE', 'sip:bob@nobody.example'), facts('tx0'));
    expect(decision).toEqual({ trigger: 'request', invoked: false, steps: [], defaultAction: true });
    expect(e.activeTransactions).toBe(0);
  });

  it('Status: generates the response, copying Via/From/To/Call-ID/CSeq, adding a To-tag and the script headers', async () => {
    const { invite } = scriptFor('echo "SIP/2.0 486 Busy Here"; echo "Retry-After: 60"; echo "Warning: 399 sip.example.com \\"$REQUEST_METHOD $REQUEST_URI\\""');
    const decision = await engine().handleRequest(invite, facts('tx1'));
    expect(decision.defaultAction).toBe(false);
    expect(decision.steps).toHaveLength(1);
    const r = respond(decision).response;
    expect(r.status).toBe(486);
    expect(r.reason).toBe('Busy Here');
    expect(r.getHeaders('Via')).toEqual(invite.getHeaders('Via'));
    expect(r.callId).toBe(invite.callId);
    expect(r.cseq).toEqual(invite.cseq);
    expect(r.getHeader('From')).toBe(invite.getHeader('From'));
    expect(r.to.params.get('tag')).toMatch(/.+/);
    expect(r.getHeader('Retry-After')).toBe('60');
    expect(r.getHeader('Warning')).toBe(`399 sip.example.com "INVITE sip:bob@${invite.uri.kind === 'sip' ? invite.uri.host : ''}"`);
    // New header fields go after Via, before all others (§5.6.1.2 rule, applied to every message).
    expect(r.headerFields.map((f) => f.name)).toEqual(['Via', 'Retry-After', 'Warning', 'From', 'To', 'Call-ID', 'CSeq']);
  });

  it('Proxy-Request: merges the script headers (replace in place, new ones after Via) and keeps the body', async () => {
    const { invite } = scriptFor(
      'echo "CGI-PROXY-REQUEST sip:dante@inferno.com SIP/2.0"; echo "Contact: sip:server1@company.com"; echo "X-New: 1"; echo "Max-Forwards: 10"; echo "Via: SIP/2.0/UDP evil.example"; echo "CGI-Request-Token: b1"',
      'INVITE',
      'Subject: keep me\n',
      'v=0\r\n',
    );
    const decision = await engine().handleRequest(invite, facts('tx2'));
    const step = proxy(decision);
    expect(step.kind).toBe('proxy');
    expect(formatUri(step.target)).toBe('sip:dante@inferno.com');
    expect(formatUri(step.request.uri)).toBe('sip:dante@inferno.com');
    expect(step.requestToken).toBe('b1');
    expect(step.maxForwards).toBe(10);
    expect(step.scriptRecordRoute).toBe(false);
    const names = step.request.headerFields.map((f) => f.name);
    expect(names).toEqual(['Via', 'X-New', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Subject', 'Content-Type', 'Content-Length']);
    expect(step.request.getHeader('Contact')).toBe('sip:server1@company.com');
    expect(step.request.getHeaders('Via')).toEqual(invite.getHeaders('Via'));
    expect(step.request.getHeader('Max-Forwards')).toBe('70');
    expect(step.request.body.toString()).toBe('v=0\r\n');
    expect(step.request.getHeader('CGI-Request-Token')).toBeUndefined();
  });

  it('Proxy-Request several times forks; CGI-Remove, an empty value and Content-Length: 0 delete', async () => {
    const { invite } = scriptFor(
      'printf "CGI-PROXY-REQUEST sip:a@one.example SIP/2.0\\nCGI-Remove: Subject\\nContent-Length: 0\\n\\nCGI-PROXY-REQUEST sip:b@two.example SIP/2.0\\nContact:\\n"',
      'INVITE',
      'Subject: hi\n',
      'v=0\r\n',
    );
    const decision = await engine().handleRequest(invite, facts('tx3'));
    expect(decision.steps.map((s) => s.kind)).toEqual(['proxy', 'proxy']);
    const [a, b] = [proxy(decision, 0), proxy(decision, 1)];
    expect(a.branchId).not.toBe(b.branchId);
    expect(a.request.hasHeader('Subject')).toBe(false);
    expect(a.request.body.length).toBe(0);
    expect(a.request.hasHeader('Content-Type')).toBe(false);
    expect(b.request.hasHeader('Contact')).toBe(false);
    expect(b.request.getHeader('Subject')).toBe('hi');
    expect(b.request.body.toString()).toBe('v=0\r\n');
  });

  it('only CGI-SET-COOKIE / CGI-AGAIN or nothing → the default action (§5.6.1.6)', async () => {
    const { invite } = scriptFor('echo "CGI-SET-COOKIE x SIP/2.0"');
    expect(await engine().handleRequest(invite, facts('tx4'))).toMatchObject({ invoked: true, steps: [], defaultAction: true });
    const silent = scriptFor('true');
    expect(await engine().handleRequest(silent.invite, facts('tx5'))).toMatchObject({ invoked: true, steps: [], defaultAction: true });
  });

  it('accepts no further responses after a non-2xx final Status (§5.6)', async () => {
    const { invite } = scriptFor('printf "SIP/2.0 180 Ringing\\n\\nSIP/2.0 486 Busy Here\\n\\nSIP/2.0 200 OK\\n"');
    const decision = await engine().handleRequest(invite, facts('tx6'));
    expect(decision.steps.map((s) => (s as RespondStep).response.status)).toEqual([180, 486]);
    expect(respond(decision, 0).response.getHeader('To')).toBe(respond(decision, 1).response.getHeader('To'));
  });

  it('new requests are refused unless enabled; enabled, missing headers are filled and responses are absorbed', async () => {
    const script = 'if [ -n "$REQUEST_METHOD" ]; then printf "MESSAGE sip:carol@example.net SIP/2.0\\nCGI-Request-Token: note\\nContent-Type: text/plain\\nContent-Length: 2\\n\\nhiCGI-AGAIN yes SIP/2.0\\n"; else echo "CGI-SET-COOKIE seen-$RESPONSE_STATUS-$REQUEST_TOKEN SIP/2.0"; fi';
    const refused = scriptFor(script);
    const r = await engine().handleRequest(refused.invite, facts('tx7'));
    expect(r.failure?.code).toBe('invalid-action');
    expect(respond(r).response.status).toBe(500);

    const allowed = scriptFor(script);
    const e = engine({ allowNewRequests: true });
    const decision = await e.handleRequest(allowed.invite, facts('tx8'));
    expect(decision.defaultAction).toBe(true);
    const step = decision.steps[0] as NewRequestStep;
    expect(step.kind).toBe('new-request');
    expect(step.request.method).toBe('MESSAGE');
    expect(step.request.getHeader('Max-Forwards')).toBe('70');
    expect(step.request.cseq).toEqual({ seq: 1, method: 'MESSAGE' });
    expect(step.request.from.params.get('tag')).toMatch(/.+/);
    expect(formatUri(step.request.to.uri)).toBe('sip:carol@example.net');
    expect(step.request.body.toString()).toBe('hi');
    const answer = await e.handleResponse('tx8', response(200, 'OK'), { branchId: step.branchId, remoteAddress: '192.0.2.30' });
    expect(answer).toMatchObject({ invoked: true, defaultAction: false, steps: [] });
  });
});

describe('CgiEngine: responses, tokens and the cookie (§3.2, §5.5.1.12–17)', () => {
  it('carries the cookie from the request run to the response run, with RESPONSE_TOKEN and REQUEST_TOKEN', async () => {
    const { invite } = scriptFor(
      [
        'if [ -n "$REQUEST_METHOD" ]; then',
        '  printf "CGI-SET-COOKIE khsihppii8asdl SIP/2.0\\nCGI-AGAIN yes SIP/2.0\\nCGI-PROXY-REQUEST sip:bob@192.0.2.20 SIP/2.0\\nCGI-Request-Token: first\\n"',
        'else',
        '  printf "SIP/2.0 200 OK\\nX-Cookie: %s\\nX-Tokens: %s %s %s %s\\n" "$SCRIPT_COOKIE" "$REQUEST_TOKEN" "$RESPONSE_STATUS" "$RESPONSE_REASON" "${#RESPONSE_TOKEN}"',
        'fi',
      ].join('\n'),
    );
    const e = engine();
    const first = await e.handleRequest(invite, facts('tx10'));
    const branch = proxy(first);
    const second = await e.handleResponse('tx10', response(486, 'Busy Here'), { branchId: branch.branchId, remoteAddress: '192.0.2.20' });
    expect(second.invoked).toBe(true);
    const r = respond(second).response;
    expect(r.getHeader('X-Cookie')).toBe('khsihppii8asdl');
    expect(r.getHeader('X-Tokens')).toBe('first 486 Busy Here 24');
  });

  it('Forward-Response this / by token, with changed headers; an unknown token refuses the output', async () => {
    const { invite } = scriptFor(
      [
        'if [ -n "$REQUEST_METHOD" ]; then printf "CGI-AGAIN yes SIP/2.0\\nCGI-PROXY-REQUEST sip:bob@192.0.2.20 SIP/2.0\\n"; exit 0; fi',
        'if [ "$RESPONSE_STATUS" = 180 ]; then printf "CGI-SET-COOKIE %s SIP/2.0\\nCGI-AGAIN yes SIP/2.0\\n" "$RESPONSE_TOKEN"; exit 0; fi',
        'if [ "$RESPONSE_STATUS" = 183 ]; then printf "CGI-AGAIN yes SIP/2.0\\nCGI-FORWARD-RESPONSE %s SIP/2.0\\nX-Changed: yes\\nCGI-Remove: Subject\\n\\nCGI-FORWARD-RESPONSE this SIP/2.0\\n" "$SCRIPT_COOKIE"; exit 0; fi',
        'echo "CGI-FORWARD-RESPONSE nosuchtoken SIP/2.0"',
      ].join('\n'),
    );
    const e = engine();
    const start = await e.handleRequest(invite, facts('tx11'));
    const branchId = proxy(start).branchId;
    const ringing = await e.handleResponse('tx11', response(180, 'Ringing', 'Subject: s\n'), { branchId, remoteAddress: '192.0.2.20' });
    expect(ringing).toMatchObject({ invoked: true, steps: [], defaultAction: true });
    const progress = await e.handleResponse('tx11', response(183, 'Session Progress'), { branchId, remoteAddress: '192.0.2.20' });
    expect(progress.steps.map((s) => (s as ForwardResponseStep).response.status)).toEqual([180, 183]);
    const forwarded = progress.steps[0] as ForwardResponseStep;
    expect(forwarded.branchId).toBe(branchId);
    expect(forwarded.response.getHeader('X-Changed')).toBe('yes');
    expect(forwarded.response.hasHeader('Subject')).toBe(false);
    expect(forwarded.response.headerFields.map((f) => f.name)).toEqual(['Via', 'Via', 'X-Changed', 'From', 'To', 'Call-ID', 'CSeq', 'Content-Length']);
    const bad = await e.handleResponse('tx11', response(200, 'OK'), { branchId, remoteAddress: '192.0.2.20' });
    expect(bad.failure).toMatchObject({ code: 'invalid-action', line: 1 });
    // 2xx was not sent upstream yet, so the abort answers 500 on the server transaction.
    expect(respond(bad).response.status).toBe(500);
  });

  it('"this" is refused when a request triggered the run', async () => {
    const { invite } = scriptFor('echo "CGI-FORWARD-RESPONSE this SIP/2.0"');
    expect((await engine().handleRequest(invite, facts('tx12'))).failure).toMatchObject({ code: 'invalid-action', detail: expect.stringMatching(/no response triggered/) });
  });

  it('CGI-AGAIN no — or nothing — stops response invocations; yes arms exactly the next one', async () => {
    const { invite, log } = scriptFor(
      [
        'echo "run $REQUEST_METHOD$RESPONSE_STATUS" >> "$LOG"',
        'if [ -n "$REQUEST_METHOD" ]; then printf "CGI-AGAIN no SIP/2.0\\nCGI-PROXY-REQUEST sip:bob@192.0.2.20 SIP/2.0\\n"; fi',
      ].join('\n'),
    );
    const e = engine();
    await e.handleRequest(invite, facts('tx13'));
    const decision = await e.handleResponse('tx13', response(486, 'Busy Here'), { remoteAddress: '192.0.2.20' });
    expect(decision).toMatchObject({ invoked: false, defaultAction: true });
    expect(bin.read(log.slice(bin.root.length + 1))).toBe('run INVITE\n');

    const armedOnce = scriptFor(
      [
        'echo "run $REQUEST_METHOD$RESPONSE_STATUS" >> "$LOG"',
        'if [ -n "$REQUEST_METHOD" ]; then printf "CGI-AGAIN yes SIP/2.0\\nCGI-PROXY-REQUEST sip:bob@192.0.2.20 SIP/2.0\\n"; fi',
      ].join('\n'),
    );
    await e.handleRequest(armedOnce.invite, facts('tx14'));
    expect((await e.handleResponse('tx14', response(180, 'Ringing'), { remoteAddress: '192.0.2.20' })).invoked).toBe(true);
    expect((await e.handleResponse('tx14', response(200, 'OK'), { remoteAddress: '192.0.2.20' })).invoked).toBe(false);
    expect(bin.read(armedOnce.log.slice(bin.root.length + 1))).toBe('run INVITE\nrun 180\n');
  });

  it('never runs the script for 100 Trying', async () => {
    const { invite } = scriptFor('printf "CGI-AGAIN yes SIP/2.0\\nCGI-PROXY-REQUEST sip:bob@192.0.2.20 SIP/2.0\\n"');
    const e = engine();
    await e.handleRequest(invite, facts('tx15'));
    expect((await e.handleResponse('tx15', response(100, 'Trying'))).invoked).toBe(false);
    expect((await e.handleResponse('tx15', response(180, 'Ringing'))).invoked).toBe(true);
  });

  it('defers messages while an invocation is outstanding and runs them in arrival order (§5.3)', async () => {
    const { invite, log } = scriptFor(
      [
        'echo "start $REQUEST_METHOD$RESPONSE_STATUS" >> "$LOG"',
        'sleep 0.08',
        'echo "end $REQUEST_METHOD$RESPONSE_STATUS" >> "$LOG"',
        'printf "CGI-AGAIN yes SIP/2.0\\n"',
        'if [ -n "$REQUEST_METHOD" ]; then printf "CGI-PROXY-REQUEST sip:bob@192.0.2.20 SIP/2.0\\n"; fi',
      ].join('\n'),
    );
    const e = engine();
    const done: string[] = [];
    const all = [
      e.handleRequest(invite, facts('tx16')).then(() => done.push('INVITE')),
      e.handleResponse('tx16', response(180, 'Ringing')).then(() => done.push('180')),
      e.handleResponse('tx16', response(183, 'Session Progress')).then(() => done.push('183')),
      e.handleResponse('tx16', response(200, 'OK')).then(() => done.push('200')),
    ];
    await Promise.all(all);
    expect(done).toEqual(['INVITE', '180', '183', '200']);
    expect(bin.read(log.slice(bin.root.length + 1))).toBe(
      ['start INVITE', 'end INVITE', 'start 180', 'end 180', 'start 183', 'end 183', 'start 200', 'end 200', ''].join('\n'),
    );
  });

  it('gives a locally generated 408 (§5.7, §5.8) to the script with the loopback REMOTE_ADDR', async () => {
    const { invite } = scriptFor('if [ -n "$REQUEST_METHOD" ]; then printf "CGI-AGAIN yes SIP/2.0\\nCGI-PROXY-REQUEST sip:bob@192.0.2.20 SIP/2.0\\nExpires: 20\\n"; else printf "SIP/2.0 302 Moved Temporarily\\nContact: <sip:voicemail@example.com>\\nX-From: %s\\n" "$REMOTE_ADDR"; fi');
    const e = engine();
    const start = await e.handleRequest(invite, facts('tx17'));
    expect(proxy(start).expires).toBe(20);
    const timeout = response(408, 'Request Timeout');
    const decision = await e.handleResponse('tx17', timeout, { branchId: proxy(start).branchId, locallyGenerated: true });
    expect(respond(decision).response.getHeader('X-From')).toBe('127.0.0.1');
  });

  it('after endTransaction the transaction is forgotten', async () => {
    const { invite } = scriptFor('printf "CGI-AGAIN yes SIP/2.0\\nCGI-PROXY-REQUEST sip:bob@192.0.2.20 SIP/2.0\\n"');
    const e = engine();
    await e.handleRequest(invite, facts('tx18'));
    expect(e.activeTransactions).toBe(1);
    e.endTransaction('tx18');
    expect(e.activeTransactions).toBe(0);
    expect((await e.handleResponse('tx18', response(180, 'Ringing'))).invoked).toBe(false);
  });
});

describe('CgiEngine: CANCEL and ACK (§5.10, §5.11.1)', () => {
  it('runs the script on CANCEL when it asked, advisory only (default action kept)', async () => {
    const { invite, log } = scriptFor('echo "run $REQUEST_METHOD" >> "$LOG"; printf "CGI-AGAIN yes SIP/2.0\\nCGI-PROXY-REQUEST sip:bob@192.0.2.20 SIP/2.0\\n"');
    const e = engine();
    await e.handleRequest(invite, facts('tx20'));
    const cancel = request('', '', 'CANCEL', formatUri(invite.uri));
    const decision = await e.handleCancel('tx20', cancel, { remoteAddress: '192.0.2.10', localPort: 5060 });
    expect(decision).toMatchObject({ trigger: 'cancel', invoked: true, steps: [], defaultAction: true });
    expect(bin.read(log.slice(bin.root.length + 1))).toBe('run INVITE\nrun CANCEL\n');
  });

  it('runs the script with the ACK for its own 2xx to an INVITE, without waiting behind a running invocation', async () => {
    const { invite, log } = scriptFor(
      [
        'if [ "$REQUEST_METHOD" = INVITE ]; then printf "CGI-AGAIN yes SIP/2.0\\nSIP/2.0 200 OK\\nContact: <sip:cgi@sip.example.com>\\n"; exit 0; fi',
        'if [ "$REQUEST_METHOD" = ACK ]; then echo "ack" >> "$LOG"; exit 0; fi',
        'sleep 0.8; echo "response" >> "$LOG"',
      ].join('\n'),
    );
    const e = engine();
    const answer = await e.handleRequest(invite, facts('tx21'));
    expect(respond(answer).response.status).toBe(200);
    const slow = e.handleResponse('tx21', response(180, 'Ringing'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ack = request('', '', 'ACK', formatUri(invite.uri));
    const decision = await e.handleAck('tx21', ack, { remoteAddress: '192.0.2.10', localPort: 5060 });
    expect(decision).toMatchObject({ trigger: 'ack', invoked: true, defaultAction: true });
    await slow;
    expect(bin.read(log.slice(bin.root.length + 1))).toBe('ack\nresponse\n');
  });
});

describe('CgiEngine: failures abort with 500 / 503 / 504 and are logged', () => {
  it('garbage output → 500, logged with the line and the reason', async () => {
    const { invite } = scriptFor('echo "CGI-PROXY-REQUEST sip:bob@192.0.2.20 SIP/2.0"; echo "this is garbage"');
    const { logger, lines } = capture();
    const decision = await engine({ logger }).handleRequest(invite, facts('tx30'));
    expect(decision).toMatchObject({ defaultAction: false, failure: { code: 'malformed-output', status: 500, line: 2 } });
    expect(respond(decision).response.status).toBe(500);
    expect(lines.find((l) => l.code === 'malformed-output')).toMatchObject({ level: 40, line: 2, detail: 'not a header field: "this is garbage"' });
  });

  it('a crash (non-zero exit) → 500, its output discarded, and later messages get the default action', async () => {
    const { invite } = scriptFor('printf "CGI-AGAIN yes SIP/2.0\\nSIP/2.0 200 OK\\n"; exit 2');
    const e = engine();
    const decision = await e.handleRequest(invite, facts('tx31'));
    expect(decision.failure).toMatchObject({ code: 'exit-status', status: 500 });
    expect(decision.steps.map((s) => (s as RespondStep).response.status)).toEqual([500]);
    expect((await e.handleResponse('tx31', response(180, 'Ringing'))).invoked).toBe(false);
  });

  it('a timeout → 504', async () => {
    const { invite } = scriptFor('exec sleep 5');
    const decision = await engine({ invoker: { timeoutMs: 300 } }).handleRequest(invite, facts('tx32'));
    expect(decision.failure?.code).toBe('timeout');
    expect(respond(decision).response.status).toBe(504);
  });

  it('saturation → 503 at once', async () => {
    const { invite } = scriptFor('sleep 0.2; echo "SIP/2.0 200 OK"');
    const e = engine({ invoker: { timeoutMs: 2000, maxConcurrent: 1, maxQueue: 0 } });
    const second = scriptFor('echo "SIP/2.0 200 OK"');
    const first = e.handleRequest(invite, facts('tx33'));
    // The second arrives while the first script holds the only slot.
    while (e.invoker.running === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const [a, b] = await Promise.all([first, e.handleRequest(second.invite, facts('tx34'))]);
    expect(respond(a).response.status).toBe(200);
    expect(b.failure?.code).toBe('saturated');
    expect(respond(b).response.status).toBe(503);
  });

  it('50 hanging scripts do not hold up other calls, and all end with 504 / 503, leaving no zombies', async () => {
    const hang = scriptFor('exec sleep 60');
    const e = engine({ invoker: { timeoutMs: 300, maxConcurrent: 16, maxQueue: 64 } });
    const started = Date.now();
    const hanging = Array.from({ length: 50 }, (_, i) => e.handleRequest(request('', '', 'INVITE', formatUri(hang.invite.uri)), facts(`hang-${i}`)));
    const other = Date.now();
    const plain = await e.handleRequest(request('', '', 'INVITE', 'sip:carol@noscript.example'), facts('free'));
    expect(plain.defaultAction).toBe(true);
    expect(Date.now() - other).toBeLessThan(150);
    const decisions = await Promise.all(hanging);
    expect(Date.now() - started).toBeLessThan(3000);
    for (const d of decisions) {
      expect(['timeout', 'saturated']).toContain(d.failure?.code);
      expect([504, 503]).toContain(respond(d).response.status);
    }
    expect(decisions.filter((d) => d.failure?.code === 'timeout').length).toBeGreaterThanOrEqual(16);
    expect(e.invoker.running).toBe(0);
    expect(await waitFor(() => ourZombies().length === 0)).toBe(true);
  });

  it('an error after a final response was sent answers nothing more', async () => {
    const { invite } = scriptFor('if [ -n "$REQUEST_METHOD" ]; then printf "CGI-AGAIN yes SIP/2.0\\nSIP/2.0 486 Busy Here\\n"; else echo garbage; fi');
    const e = engine();
    await e.handleRequest(invite, facts('tx35'));
    const decision = await e.handleResponse('tx35', response(180, 'Ringing'));
    expect(decision.failure?.code).toBe('malformed-output');
    expect(decision.steps).toEqual([]);
  });
});

describe('CgiEngine: metavariables of each run', () => {
  it('passes AUTH_TYPE / REMOTE_USER, REGISTRATIONS, SIP_* and the body; withholds credentials', async () => {
    const { invite } = scriptFor(
      'printf "SIP/2.0 200 OK\\nX-Auth: %s %s\\nX-Reg: %s\\nX-Ua: %s\\nX-Cred: %s\\nX-Body: %s\\nX-Gw: %s\\n" "$AUTH_TYPE" "$REMOTE_USER" "$REGISTRATIONS" "$SIP_USER_AGENT" "${SIP_AUTHORIZATION-absent}" "$(cat)" "$GATEWAY_INTERFACE"',
      'REGISTER',
      'User-Agent: softphone 1.0\nAuthorization: Digest username="alice", response="x"\n',
      'hello',
    );
    const e = engine({ registrationsFor: (uri) => (formatUri(uri).startsWith('sip:bob@') ? '<sip:bob@192.0.2.20:5062>;expires=300' : undefined) });
    const decision = await e.handleRequest(invite, { ...facts('tx40'), auth: { scheme: 'Digest', user: 'alice' } });
    const r = respond(decision).response;
    expect(r.getHeader('X-Auth')).toBe('Digest alice');
    expect(r.getHeader('X-Reg')).toBe('<sip:bob@192.0.2.20:5062>;expires=300');
    expect(r.getHeader('X-Ua')).toBe('softphone 1.0');
    expect(r.getHeader('X-Cred')).toBe('absent');
    expect(r.getHeader('X-Body')).toBe('hello');
    expect(r.getHeader('X-Gw')).toBe('SIP-CGI/1.1');
  });
});

export type { SipResponse };
