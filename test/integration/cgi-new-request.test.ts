/**
 * A request line in a script's output (RFC 3050 §3.1, `cgi.allowNewRequests`): the server sends
 * it as a UAC through the core's UA — here a missed-call MESSAGE to a phone while the caller
 * gets the script's 486. Real UDP on 127.0.0.1; the MESSAGE's recipient is a test UA.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCgiEngine } from '../../platform/cgi/index.js';
import { ScriptDir } from '../../platform/cgi/test-support.js';
import { silentLogger } from '../../platform/log/logger.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';
import { until } from '../support/until.js';

const DOMAIN = 'sb.test';


describe('SIP-CGI new requests sent through the UA core', () => {
  const bin = new ScriptDir();
  let server: ProxyServer;
  let alice: TestUa;
  let pager: TestUa;

  beforeAll(async () => {
    server = await startProxyServer({
      domains: [DOMAIN],
      users: ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` })),
      engines: [createCgiEngine({ cgiBin: bin.root, scriptCacheMs: 0, timeoutMs: 2000, allowNewRequests: true }, silentLogger, { serverName: DOMAIN })],
    });
    alice = await new TestUa({ name: 'alice', proxy: { host: '127.0.0.1', port: server.port }, domain: DOMAIN, password: 'pw-alice' }).start();
    pager = await new TestUa({ name: 'pager', proxy: { host: '127.0.0.1', port: server.port }, domain: DOMAIN }).start();
  });
  afterAll(async () => {
    await alice.stop();
    await pager.stop();
    await server.stop();
    bin.remove();
  });

  it('answers the caller 486 and sends the MESSAGE the script printed, with its headers and body', async () => {
    bin.write(
      `users/bob@${DOMAIN}.sh`,
      [
        '#!/bin/sh',
        'echo "SIP/2.0 486 Busy Here"',
        'echo',
        `echo "MESSAGE ${pager.contact} SIP/2.0"`,
        `echo "From: <sip:bob@${DOMAIN}>"`,
        'echo "Subject: missed call"',
        'echo "Content-Type: text/plain"',
        'echo "Content-Length: 6"',
        'echo',
        'printf "missed"',
        '',
      ].join('\n'),
    );
    const final = await alice.call(`sip:bob@${DOMAIN}`, { password: 'pw-alice' }).final;
    expect(final.status).toBe(486);
    await until(() => pager.methods().includes('MESSAGE'));
    const message = pager.received.find((entry) => entry.method === 'MESSAGE')!.request;
    expect(message.getHeader('Subject')).toBe('missed call');
    expect(message.getHeader('From')).toMatch(new RegExp(`^<sip:bob@${DOMAIN}>;tag=`));
    expect(message.body.toString()).toBe('missed');
    expect(message.getHeader('Content-Type')).toBe('text/plain');
  });

  it('runs the script again for the final response to its new request when it asked (CGI-AGAIN yes), with its request token', async () => {
    const seen = bin.path('pager-answer.txt');
    bin.write(
      `users/carol@${DOMAIN}.sh`,
      [
        '#!/bin/sh',
        `if [ -n "$RESPONSE_STATUS" ]; then echo "$RESPONSE_STATUS $REQUEST_TOKEN" > "${seen}"; exit 0; fi`,
        'echo "SIP/2.0 486 Busy Here"',
        'echo',
        `echo "MESSAGE ${pager.contact} SIP/2.0"`,
        `echo "From: <sip:carol@${DOMAIN}>"`,
        'echo "CGI-Request-Token: pager-1"',
        'echo "Content-Length: 0"',
        'echo',
        'echo "CGI-AGAIN yes SIP/2.0"',
        '',
      ].join('\n'),
    );
    const final = await alice.call(`sip:carol@${DOMAIN}`, { password: 'pw-alice' }).final;
    expect(final.status).toBe(486);
    await until(() => existsSync(seen));
    expect(readFileSync(seen, 'utf8')).toBe('200 pager-1\n');
  });
});
