import { afterEach, describe, expect, it } from 'vitest';
import { buildEnvironment, DEFAULT_SCRIPT_PATH, GATEWAY_INTERFACE, type EnvironmentInput } from './environment.js';
import { headerVariableName } from './header-variables.js';
import { parse, request, response } from './test-support.js';
import type { SipRequest } from '../sip/index.js';

const server = { name: 'sip.example.com', software: 'Switchboard/0.1.0' };
const peer = { remoteAddress: '192.0.2.10', localPort: 5060 };

function env(input: Partial<EnvironmentInput> & Pick<EnvironmentInput, 'message'>): Record<string, string> {
  return buildEnvironment({ server, peer, ...input }).env;
}

describe('SIP-CGI metavariables (RFC 3050 §5.5.1)', () => {
  afterEach(() => {
    delete process.env.SWITCHBOARD_SECRET_TEST;
  });

  it('gives the canonical variables of a request, and not those of a response', () => {
    const e = env({ message: request('', 'v=0\r\n'), auth: { scheme: 'Digest', user: 'alice' }, registrations: '<sip:bob@192.0.2.20>;expires=3600', cookie: 'c00kie' });
    expect(e).toMatchObject({
      AUTH_TYPE: 'Digest',
      CONTENT_LENGTH: '5',
      CONTENT_TYPE: 'application/sdp',
      GATEWAY_INTERFACE: 'SIP-CGI/1.1',
      REGISTRATIONS: '<sip:bob@192.0.2.20>;expires=3600',
      REMOTE_ADDR: '192.0.2.10',
      REMOTE_USER: 'alice',
      REQUEST_METHOD: 'INVITE',
      REQUEST_URI: 'sip:bob@example.com',
      SCRIPT_COOKIE: 'c00kie',
      SERVER_NAME: 'sip.example.com',
      SERVER_PORT: '5060',
      SERVER_PROTOCOL: 'SIP/2.0',
      SERVER_SOFTWARE: 'Switchboard/0.1.0',
    });
    expect(GATEWAY_INTERFACE).toBe('SIP-CGI/1.1');
    for (const name of ['RESPONSE_STATUS', 'RESPONSE_REASON', 'RESPONSE_TOKEN', 'REQUEST_TOKEN', 'REMOTE_HOST', 'REMOTE_IDENT']) expect(e).not.toHaveProperty(name);
  });

  it('gives RESPONSE_STATUS, RESPONSE_REASON, RESPONSE_TOKEN and REQUEST_TOKEN for a response, never REQUEST_METHOD / REQUEST_URI', () => {
    const e = env({ message: response(486, 'Busy Here'), responseToken: 'rtok', requestToken: 'branch-a', peer: { remoteAddress: '::1', localPort: 5080, remoteHost: 'uas.example.net', remoteIdent: 'bob' } });
    expect(e).toMatchObject({ RESPONSE_STATUS: '486', RESPONSE_REASON: 'Busy Here', RESPONSE_TOKEN: 'rtok', REQUEST_TOKEN: 'branch-a', REMOTE_ADDR: '::1', REMOTE_HOST: 'uas.example.net', REMOTE_IDENT: 'bob', SERVER_PORT: '5080' });
    expect(e).not.toHaveProperty('REQUEST_METHOD');
    expect(e).not.toHaveProperty('REQUEST_URI');
  });

  it('MUST set RESPONSE_TOKEN when a response triggers the script (§5.5.1.16)', () => {
    expect(() => buildEnvironment({ message: response(200, 'OK'), server, peer })).toThrow(/RESPONSE_TOKEN/);
  });

  it('distinguishes null (present, empty) from undefined (absent)', () => {
    const withEmptySubject = env({ message: request('Subject:\n'), registrations: '' });
    expect(withEmptySubject.SIP_SUBJECT).toBe('');
    expect(withEmptySubject.REGISTRATIONS).toBe('');
    const noSubject = env({ message: request() });
    expect(noSubject).not.toHaveProperty('SIP_SUBJECT');
    expect(noSubject).not.toHaveProperty('REGISTRATIONS');
    // A response with an empty Reason-Phrase has a null RESPONSE_REASON.
    expect(env({ message: response(299, ''), responseToken: 't' }).RESPONSE_REASON).toBe('');
  });

  it('defines CONTENT_LENGTH and CONTENT_TYPE only when there is a body', () => {
    const e = env({ message: request() });
    expect(e).not.toHaveProperty('CONTENT_LENGTH');
    expect(e).not.toHaveProperty('CONTENT_TYPE');
    expect(e.SIP_CONTENT_LENGTH).toBe('0');
  });

  it('gives a null CONTENT_TYPE for a body of unknown type, and CONTENT_LENGTH even without a Content-Length header', () => {
    const message = request() as SipRequest;
    message.removeHeader('Content-Length');
    message.body = Buffer.from('hello');
    const e = env({ message });
    expect(e.CONTENT_LENGTH).toBe('5');
    expect(e.CONTENT_TYPE).toBe('');
    expect(e).not.toHaveProperty('SIP_CONTENT_LENGTH');
  });

  it('gives the body on stdin, not the message', () => {
    const { stdin } = buildEnvironment({ message: request('', 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n'), server, peer });
    expect(stdin.toString()).toBe('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n');
  });

  it('names header variables SIP_ + upper case with - turned into _ (§5.5.1.5)', () => {
    expect(headerVariableName('Call-ID')).toBe('SIP_CALL_ID');
    expect(headerVariableName('max-forwards')).toBe('SIP_MAX_FORWARDS');
    expect(headerVariableName('P-Asserted-Identity')).toBe('SIP_P_ASSERTED_IDENTITY');
    expect(headerVariableName('CSeq')).toBe('SIP_CSEQ');
    expect(headerVariableName('X-Custom.Thing')).toBe('SIP_X_CUSTOM.THING');
  });

  it('expands compact forms and combines fields of one name with ", " in order', () => {
    const message = parse(
      'INVITE sip:bob@example.com SIP/2.0\n' +
        'v: SIP/2.0/UDP a.example.org;branch=z9hG4bK1\n' +
        'Via: SIP/2.0/UDP b.example.org;branch=z9hG4bK2, SIP/2.0/TCP c.example.org;branch=z9hG4bK3\n' +
        'f: <sip:alice@example.org>;tag=1\n' +
        't: <sip:bob@example.com>\n' +
        'i: abc@def\n' +
        'CSeq: 1 INVITE\n' +
        'Max-Forwards: 70\n' +
        'Route: <sip:p1.example.com;lr>\n' +
        'route: <sip:p2.example.com;lr>\n' +
        'Subject: first line\n' +
        '  continued\n' +
        'k: 100rel\n' +
        'Supported: timer\n' +
        'l: 0\n\n',
    );
    const e = env({ message });
    expect(e.SIP_VIA).toBe('SIP/2.0/UDP a.example.org;branch=z9hG4bK1, SIP/2.0/UDP b.example.org;branch=z9hG4bK2, SIP/2.0/TCP c.example.org;branch=z9hG4bK3');
    expect(e.SIP_FROM).toBe('<sip:alice@example.org>;tag=1');
    expect(e.SIP_TO).toBe('<sip:bob@example.com>');
    expect(e.SIP_CALL_ID).toBe('abc@def');
    expect(e.SIP_ROUTE).toBe('<sip:p1.example.com;lr>, <sip:p2.example.com;lr>');
    expect(e.SIP_SUBJECT).toBe('first line continued');
    expect(e.SIP_SUPPORTED).toBe('100rel, timer');
    expect(e.SIP_CONTENT_LENGTH).toBe('0');
    for (const short of ['SIP_V', 'SIP_F', 'SIP_T', 'SIP_I', 'SIP_K', 'SIP_L']) expect(e).not.toHaveProperty(short);
  });

  it('withholds Authorization and Proxy-Authorization (§5.5.1.5, §7.3)', () => {
    const e = env({
      message: request(
        'Authorization: Digest username="alice", realm="example.com", nonce="n", uri="sip:bob@example.com", response="secret1"\n' +
          'Proxy-Authorization: Digest username="alice", realm="proxy", nonce="n", uri="sip:bob@example.com", response="secret2"\n' +
          'WWW-Authenticate: Digest realm="x", nonce="y"\n',
      ),
    });
    expect(e).not.toHaveProperty('SIP_AUTHORIZATION');
    expect(e).not.toHaveProperty('SIP_PROXY_AUTHORIZATION');
    expect(JSON.stringify(e)).not.toMatch(/secret1|secret2/);
    expect(e.SIP_WWW_AUTHENTICATE).toBe('Digest realm="x", nonce="y"');
  });

  it('leaks nothing of the server environment; PATH is a fixed safe value', () => {
    process.env.SWITCHBOARD_SECRET_TEST = 'hunter2';
    const e = env({ message: request() });
    expect(e).not.toHaveProperty('SWITCHBOARD_SECRET_TEST');
    expect(Object.values(e)).not.toContain('hunter2');
    expect(e.PATH).toBe(DEFAULT_SCRIPT_PATH);
    expect(e).not.toHaveProperty('HOME');
    const names = Object.keys(e);
    const canonical = new Set(['AUTH_TYPE', 'CONTENT_LENGTH', 'CONTENT_TYPE', 'GATEWAY_INTERFACE', 'REGISTRATIONS', 'REMOTE_ADDR', 'REMOTE_HOST', 'REMOTE_IDENT', 'REMOTE_USER', 'REQUEST_METHOD', 'REQUEST_TOKEN', 'REQUEST_URI', 'RESPONSE_STATUS', 'RESPONSE_REASON', 'RESPONSE_TOKEN', 'SCRIPT_COOKIE', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL', 'SERVER_SOFTWARE', 'PATH']);
    expect(names.filter((name) => !canonical.has(name) && !name.startsWith('SIP_'))).toEqual([]);
  });
});
