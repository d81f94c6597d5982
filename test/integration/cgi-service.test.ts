/**
 * The SIP-CGI ServiceEngine (platform/cgi/cgi-service.ts) against the real ServiceHost of the
 * registrar (location service on SQLite): what the core is handed for each script output, the
 * parts of the interface the core does not act on yet included (per-target edits, provisional
 * responses, per-response invocation via onResponse) — see .notes/cgi-docs.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCgiEngine, type CgiServiceEngine } from '../../platform/cgi/index.js';
import { request, ScriptDir } from '../../platform/cgi/test-support.js';
import { createServiceHost } from '../../platform/endpoint/services-stage.js';
import { silentLogger } from '../../platform/log/logger.js';
import { applyMessageEdits, type Decision, type ProxyDecision, type ServiceCall, type ServiceHost } from '../../platform/services/index.js';
import type { SipRequest } from '../../platform/sip/index.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';

const DOMAIN = 'sb.test';

describe('SIP-CGI service engine with the real location service', () => {
  const bin = new ScriptDir();
  let server: ProxyServer;
  let host: ServiceHost;
  let cgi: CgiServiceEngine;

  beforeAll(async () => {
    server = await startProxyServer({ domains: [DOMAIN], users: [{ username: 'noreg', password: 'pw-noreg' }] });
    host = createServiceHost(server.registrar);
    cgi = createCgiEngine({ cgiBin: bin.root, scriptCacheMs: 0, timeoutMs: 2000, serverPort: 5999 }, silentLogger, { serverName: DOMAIN, version: '9.9' });
  });
  afterAll(async () => {
    await server.stop();
    bin.remove();
  });

  const callFor = (req: SipRequest, extra: Partial<ServiceCall> = {}): ServiceCall => ({
    request: req,
    direction: 'terminating',
    aor: `${req.uri.kind === 'sip' ? req.uri.user : ''}@${DOMAIN}`,
    source: { protocol: 'udp', address: '127.0.0.9', port: 5062 },
    host,
    ...extra,
  });
  const invite = (user: string): SipRequest => request('Subject: hi\n', 'v=0\r\n', 'INVITE', `sip:${user}@${DOMAIN}`);
  const proxy = (decision: Decision): ProxyDecision => {
    if (decision.kind !== 'proxy') throw new Error(`expected proxy, got ${JSON.stringify(decision)}`);
    return decision;
  };

  it('gives REGISTRATIONS, SERVER_* and REMOTE_ADDR from the core (the script echoes them back)', async () => {
    await server.store.bindings.upsert({ aor: `reg@${DOMAIN}`, contactUri: 'sip:reg@192.0.2.7:5060', expiresAt: Date.now() + 60_000, callId: 'r1', cseq: 1, path: [] });
    bin.write(
      `users/reg@${DOMAIN}.sh`,
      '#!/bin/sh\nprintf "SIP/2.0 200 OK\\nX-Reg: %s\\nX-Server: %s %s %s\\nX-Remote: %s\\nX-Empty: %s\\n\\n" "$REGISTRATIONS" "$SERVER_NAME" "$SERVER_PORT" "$SERVER_SOFTWARE" "$REMOTE_ADDR" "${REGISTRATIONS+defined}"\n',
    );
    const decision = await cgi.decide(callFor(invite('reg'), { local: { address: '127.0.0.1', port: 5088 } }));
    expect(decision.kind).toBe('respond');
    const headers = new Map((decision.kind === 'respond' ? decision.headers ?? [] : []).map((h) => [h.name, h.value]));
    expect(headers.get('X-Reg')).toMatch(/^<sip:reg@192\.0\.2\.7:5060>;q=1;expires=(59|60)$/);
    expect(headers.get('X-Server')).toBe(`${DOMAIN} 5088 Switchboard/9.9`);
    expect(headers.get('X-Remote')).toBe('127.0.0.9');
  });

  it('REGISTRATIONS is null for a local user with no bindings and SERVER_PORT falls back to the config', async () => {
    bin.write(`users/noreg@${DOMAIN}.sh`, '#!/bin/sh\nprintf "SIP/2.0 200 OK\\nX-Reg: [%s]\\nX-Port: %s\\n\\n" "${REGISTRATIONS-undefined}" "$SERVER_PORT"\n');
    const decision = await cgi.decide(callFor(invite('noreg')));
    const headers = new Map((decision.kind === 'respond' ? decision.headers ?? [] : []).map((h) => [h.name, h.value]));
    expect(headers.get('X-Reg')).toBe('[]');
    expect(headers.get('X-Port')).toBe('5999');
  });

  it('runs the script once per request although the core offers it in both directions', async () => {
    bin.write(`users/once@${DOMAIN}.sh`, '#!/bin/sh\necho run >> once.runs\n');
    const req = invite('once');
    expect(await cgi.decide(callFor(req, { direction: 'originating' }))).toEqual({ kind: 'continue' });
    expect(await cgi.decide(callFor(req))).toEqual({ kind: 'continue' });
    expect(bin.read('users/once.runs')).toBe('run\n');
    expect(cgi.engine.activeTransactions).toBe(0);
  });

  it('turns CGI-PROXY-REQUESTs into targets with per-target edits, 1xx into provisional, Expires into the ring timeout', async () => {
    bin.write(
      `users/fork@${DOMAIN}.sh`,
      [
        '#!/bin/sh',
        'cat <<EOF',
        'SIP/2.0 181 Call Is Being Forwarded',
        'X-Why: forwarding',
        '',
        'CGI-PROXY-REQUEST sip:a@192.0.2.1 SIP/2.0',
        'Contact: <sip:server1@company.com>',
        'Subject:',
        'Max-Forwards: 10',
        'Expires: 20',
        '',
        'CGI-PROXY-REQUEST sip:b@192.0.2.2 SIP/2.0',
        'CGI-Remove: Contact',
        'Content-Length: 0',
        'Expires: 30',
        '',
        'EOF',
      ].join('\n') + '\n',
    );
    const req = invite('fork');
    const decision = proxy(await cgi.decide(callFor(req)));
    expect(decision.targets.map((t) => t.uri)).toEqual(['sip:a@192.0.2.1', 'sip:b@192.0.2.2']);
    expect(decision.options).toMatchObject({ forking: 'parallel', timeoutMs: 20_000 });
    expect(decision.provisional).toEqual([{ status: 181, reason: 'Call Is Being Forwarded', headers: [{ name: 'X-Why', value: 'forwarding' }] }]);
    // What the core is to send to each target (applyMessageEdits, then its own Via / Max-Forwards).
    const toA = applyMessageEdits(req, decision.targets[0]?.edits ?? {});
    expect(toA.getHeader('Contact')).toBe('<sip:server1@company.com>');
    expect(toA.hasHeader('Subject')).toBe(false);
    expect(toA.maxForwards).toBe(10);
    expect(toA.getHeader('Expires')).toBe('20');
    const toB = applyMessageEdits(req, decision.targets[1]?.edits ?? {});
    expect(toB.hasHeader('Contact')).toBe(false);
    expect(toB.body.length).toBe(0);
    expect(toB.getHeader('Subject')).toBe('hi');
    await decision.onOutcome?.({ kind: 'success', status: 200 });
  });

  it('per response (onResponse): forward with changed headers, default, and a new decision on a final', async () => {
    bin.write(
      `users/each@${DOMAIN}.sh`,
      `#!/bin/sh
if [ -n "$REQUEST_METHOD" ]; then
  printf 'CGI-PROXY-REQUEST sip:a@192.0.2.1 SIP/2.0\\nCGI-Request-Token: a\\n\\nCGI-AGAIN yes SIP/2.0\\nCGI-SET-COOKIE c1 SIP/2.0\\n'
  exit 0
fi
case "$RESPONSE_STATUS" in
  180) printf 'CGI-FORWARD-RESPONSE this SIP/2.0\\nX-Seen: %s %s %s\\n\\nCGI-AGAIN yes SIP/2.0\\n' "$REQUEST_TOKEN" "$SCRIPT_COOKIE" "$SIP_X_CALLEE" ;;
  183) printf 'CGI-AGAIN yes SIP/2.0\\n' ;;
  *) printf 'SIP/2.0 480 Temporarily Unavailable\\nX-From-Script: %s\\n\\n' "$RESPONSE_STATUS" ;;
esac
`,
    );
    const decision = proxy(await cgi.decide(callFor(invite('each'))));
    const response = (status: number, reason: string) => ({
      status,
      reason,
      target: 'sip:a@192.0.2.1',
      headers: [
        { name: 'Via', value: 'SIP/2.0/UDP client.example.org:5060;branch=z9hG4bKabc1' },
        { name: 'To', value: `<sip:each@${DOMAIN}>;tag=t1` },
        { name: 'CSeq', value: '1 INVITE' },
        { name: 'X-Callee', value: 'phone' },
      ],
    });
    expect(await decision.onResponse?.(response(100, 'Trying'))).toEqual({ kind: 'default' });
    expect(await decision.onResponse?.(response(180, 'Ringing'))).toEqual({ kind: 'forward', edits: { headers: [{ name: 'X-Seen', value: 'a c1 phone' }] } });
    expect(await decision.onResponse?.(response(183, 'Session Progress'))).toEqual({ kind: 'default' });
    const final = await decision.onResponse?.(response(486, 'Busy Here'));
    expect(final).toMatchObject({ kind: 'decide', decision: { kind: 'respond', status: 480, headers: [{ name: 'X-From-Script', value: '486' }] } });
    // The script was consulted per response: the outcome no longer runs it.
    expect(await decision.onOutcome?.({ kind: 'busy', status: 486, reason: 'Busy Here' })).toEqual({ kind: 'continue' });
    expect(cgi.engine.activeTransactions).toBe(0);
  });

  it('feeds a ring timeout back as a locally generated 408 (RFC 3050 §5.7, §5.8)', async () => {
    bin.write(
      `users/noanswer@${DOMAIN}.sh`,
      `#!/bin/sh
if [ -n "$REQUEST_METHOD" ]; then
  printf 'CGI-PROXY-REQUEST sip:a@192.0.2.1 SIP/2.0\\nExpires: 5\\n\\nCGI-AGAIN yes SIP/2.0\\n'
  exit 0
fi
printf 'SIP/2.0 302 Moved Temporarily\\nContact: <sip:voicemail@192.0.2.99>\\nX-Got: %s %s\\n\\n' "$RESPONSE_STATUS" "$REMOTE_ADDR"
`,
    );
    const decision = proxy(await cgi.decide(callFor(invite('noanswer'))));
    expect(decision.options?.timeoutMs).toBe(5000);
    const next = await decision.onOutcome?.({ kind: 'noanswer', status: 487, reason: 'Request Terminated', timedOut: true });
    expect(next).toMatchObject({ kind: 'respond', status: 302 });
    const headers = next?.kind === 'respond' ? (next.headers ?? []) : [];
    expect(headers).toEqual(expect.arrayContaining([{ name: 'X-Got', value: '408 127.0.0.1' }, { name: 'Contact', value: '<sip:voicemail@192.0.2.99>' }]));
  });
  it('tells the script of a CANCEL when it asked for the next message (advisory, RFC 3050 §5.10)', async () => {
    bin.write(
      `users/cancelled@${DOMAIN}.sh`,
      `#!/bin/sh
if [ "$REQUEST_METHOD" = INVITE ]; then
  printf 'CGI-PROXY-REQUEST sip:a@192.0.2.1 SIP/2.0\\n\\nCGI-AGAIN yes SIP/2.0\\n'
  exit 0
fi
echo "$REQUEST_METHOD $SIP_CSEQ $SIP_VIA" > cancel.seen
`,
    );
    const decision = proxy(await cgi.decide(callFor(invite('cancelled'))));
    decision.onCancel?.();
    for (let i = 0; i < 50 && cgi.engine.activeTransactions > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cgi.engine.activeTransactions).toBe(0);
    expect(bin.read('users/cancel.seen').trim()).toBe('CANCEL 1 CANCEL SIP/2.0/UDP client.example.org:5060;branch=z9hG4bKabc1');
  });
});
