import { describe, expect, it } from 'vitest';
import { formatUri } from '../sip/index.js';
import type { CgiAction, OutputParseResult } from './cgi-actions.js';
import { parseScriptOutput } from './output-parser.js';

function parseText(text: string, maxActions?: number): OutputParseResult {
  return parseScriptOutput(Buffer.from(text), maxActions === undefined ? {} : { maxActions });
}

function actions(text: string): CgiAction[] {
  const result = parseText(text);
  if (!result.ok) throw new Error(`line ${result.error.line}: ${result.error.reason}`);
  return result.actions;
}

function error(text: string): { line: number; reason: string } {
  const result = parseText(text);
  if (result.ok) throw new Error('expected a parse error');
  return result.error;
}

describe('SIP-CGI output: action lines (RFC 3050 §5.6.1)', () => {
  it('empty output has no actions (the default action, §5.6.1.6)', () => {
    expect(actions('')).toEqual([]);
    expect(actions('\n\n')).toEqual([]);
  });

  it('Status: "SIP/2.0 200 OK" generates a response (§4 example 1)', () => {
    expect(actions('SIP/2.0 200 OK\n')).toEqual([{ type: 'status', line: 1, status: 200, reason: 'OK', headers: [], remove: [], body: { kind: 'keep' } }]);
    const [busy] = actions('SIP/2.0 486 Busy Here\r\nRetry-After: 60\r\n\r\n');
    expect(busy).toMatchObject({ type: 'status', status: 486, reason: 'Busy Here', headers: [{ name: 'Retry-After', value: '60' }] });
  });

  it('Proxy-Request with a header (§4 example 2); several of them fork', () => {
    const list = actions('CGI-PROXY-REQUEST sip:dante@inferno.com SIP/2.0\nContact: sip:server1@company.com\n\nCGI-PROXY-REQUEST sips:virgil@limbo.example SIP/2.0\n');
    expect(list).toHaveLength(2);
    const [first, second] = list as [Extract<CgiAction, { type: 'proxy-request' }>, Extract<CgiAction, { type: 'proxy-request' }>];
    expect(first.type).toBe('proxy-request');
    expect(formatUri(first.target)).toBe('sip:dante@inferno.com');
    expect(first.headers).toEqual([{ name: 'Contact', value: 'sip:server1@company.com' }]);
    expect(formatUri(second.target)).toBe('sips:virgil@limbo.example');
    expect(second.line).toBe(4);
  });

  it('Proxy-Request accepts tel: and refuses other schemes', () => {
    expect(actions('CGI-PROXY-REQUEST tel:+15551234567 SIP/2.0\n')[0]).toMatchObject({ type: 'proxy-request' });
    expect(error('CGI-PROXY-REQUEST http://example.com/ SIP/2.0\n')).toEqual({ line: 1, reason: expect.stringMatching(/unsupported URI scheme "http"/) });
  });

  it('CGI-Request-Token travels with the proxy request and is stripped from the headers (§5.6.2.1)', () => {
    const [proxy] = actions('CGI-PROXY-REQUEST sip:a@b.example SIP/2.0\nCGI-Request-Token: branch-1\nX-Other: 1\n');
    expect(proxy).toMatchObject({ requestToken: 'branch-1', headers: [{ name: 'X-Other', value: '1' }] });
  });

  it('Forward-Response by token or "this" (§4 example 3)', () => {
    expect(actions('CGI-FORWARD-RESPONSE abcdefghij SIP/2.0\n')[0]).toMatchObject({ type: 'forward-response', responseName: 'abcdefghij' });
    expect(actions('CGI-FORWARD-RESPONSE this SIP/2.0\n')[0]).toMatchObject({ type: 'forward-response', responseName: 'this' });
    expect(actions('CGI-FORWARD-RESPONSE THIS SIP/2.0\n')[0]).toMatchObject({ responseName: 'this' });
  });

  it('CGI-AGAIN yes|no (§4 example 4) and CGI-SET-COOKIE (§4 example 5)', () => {
    expect(actions('CGI-AGAIN yes SIP/2.0\n')).toEqual([{ type: 'again', line: 1, again: true }]);
    expect(actions('CGI-AGAIN No SIP/2.0\n')).toEqual([{ type: 'again', line: 1, again: false }]);
    expect(actions('CGI-SET-COOKIE khsihppii8asdl SIP/2.0\n')).toEqual([{ type: 'set-cookie', line: 1, cookie: 'khsihppii8asdl' }]);
    expect(error('CGI-AGAIN maybe SIP/2.0\n').reason).toMatch(/"yes" or "no"/);
    expect(error('CGI-SET-COOKIE a"b SIP/2.0\n').reason).toMatch(/not a token/);
  });

  it('a SIP request line is a new request (§3.1; spec notes §6)', () => {
    const [message] = actions('MESSAGE sip:carol@example.net SIP/2.0\nCGI-Request-Token: note\nContent-Type: text/plain\nContent-Length: 5\n\nhello');
    expect(message).toMatchObject({ type: 'new-request', method: 'MESSAGE', requestToken: 'note', body: { kind: 'replace', contentType: 'text/plain' } });
    expect(formatUri((message as Extract<CgiAction, { type: 'new-request' }>).uri)).toBe('sip:carol@example.net');
  });

  it('accepts action lines one after the other without blank lines, and CR LF line ends', () => {
    const list = actions('CGI-SET-COOKIE abc SIP/2.0\r\nCGI-AGAIN yes SIP/2.0\r\nSIP/2.0 180 Ringing\r\nCGI-PROXY-REQUEST sip:x@y.example SIP/2.0\r\n');
    expect(list.map((a) => a.type)).toEqual(['set-cookie', 'again', 'status', 'proxy-request']);
    expect(list.map((a) => a.line)).toEqual([1, 2, 3, 4]);
  });
});

describe('SIP-CGI output: header fields (§5.6.1.2, §5.6.2)', () => {
  it('strips every CGI- header field, known or not', () => {
    const [status] = actions('SIP/2.0 200 OK\nCGI-Whatever: 1\ncgi-request-token: t\nX-Kept: yes\n');
    expect(status).toMatchObject({ headers: [{ name: 'X-Kept', value: 'yes' }] });
  });

  it('CGI-Remove lists header names to delete (compact forms understood); an empty value removes a header too', () => {
    const [proxy] = actions('CGI-PROXY-REQUEST sip:a@b.example SIP/2.0\nCGI-Remove: Subject, m\nCGI-Remove: X-Tracking\nOrganization:\n');
    expect(proxy).toMatchObject({ remove: ['subject', 'contact', 'x-tracking', 'organization'], headers: [] });
  });

  it('refuses a header both given and removed (§5.6.2.2 leaves it undefined)', () => {
    expect(error('CGI-PROXY-REQUEST sip:a@b.example SIP/2.0\nSubject: hi\nCGI-Remove: Subject\n')).toEqual({ line: 2, reason: expect.stringMatching(/subject is both given and removed/) });
  });

  it('refuses continuation lines (§5.6: one header per line)', () => {
    expect(error('SIP/2.0 200 OK\nSubject: a\n  b\n')).toEqual({ line: 3, reason: expect.stringMatching(/continuation/) });
  });

  it('refuses header fields after CGI-SET-COOKIE and CGI-AGAIN', () => {
    expect(error('CGI-SET-COOKIE abc SIP/2.0\nSubject: x\n').line).toBe(2);
  });
});

describe('SIP-CGI output: bodies (§5.6 rules 2–5)', () => {
  it('Content-Type + Content-Length: exactly that many octets, then the next message', () => {
    const list = actions('SIP/2.0 200 OK\nContent-Type: application/sdp\nContent-Length: 6\n\nv=0\r\n\nCGI-AGAIN yes SIP/2.0\n');
    expect(list[0]).toMatchObject({ type: 'status', body: { kind: 'replace', contentType: 'application/sdp' } });
    expect((list[0] as { body: { body: Buffer } }).body.body.toString()).toBe('v=0\r\n\n');
    expect(list[1]).toMatchObject({ type: 'again', again: true, line: 7 });
  });

  it('counts octets, not characters', () => {
    const [status] = actions('SIP/2.0 200 OK\nContent-Type: text/plain;charset=utf-8\nContent-Length: 4\n\nnaïCGI-AGAIN yes SIP/2.0\n');
    expect((status as { body: { body: Buffer } }).body.body.toString()).toBe('naï');
  });

  it('Content-Type without Content-Length: the body runs to the end of output', () => {
    const [status] = actions('SIP/2.0 200 OK\nContent-Type: text/plain\n\nline 1\n\nCGI-AGAIN yes SIP/2.0\n');
    expect((status as { body: { body: Buffer } }).body.body.toString()).toBe('line 1\n\nCGI-AGAIN yes SIP/2.0\n');
  });

  it('Content-Length: 0 deletes the body; no Content-Type keeps the original', () => {
    expect(actions('CGI-PROXY-REQUEST sip:a@b.example SIP/2.0\nContent-Length: 0\n')[0]).toMatchObject({ body: { kind: 'delete' } });
    expect(actions('CGI-PROXY-REQUEST sip:a@b.example SIP/2.0\n\n')[0]).toMatchObject({ body: { kind: 'keep' } });
  });

  it('a non-zero Content-Length without Content-Type is an error (rule 5)', () => {
    expect(error('SIP/2.0 200 OK\nContent-Length: 3\n\nabc')).toEqual({ line: 2, reason: expect.stringMatching(/rule 5/) });
  });

  it('output closed inside a body is an error (rule 3)', () => {
    expect(error('SIP/2.0 200 OK\nContent-Type: text/plain\nContent-Length: 10\n\nabc').reason).toMatch(/3 octets into a body of Content-Length 10/);
  });
});

describe('SIP-CGI output: malformed output gives a line and a reason', () => {
  it.each([
    ['Content-Type: text/plain\n\nhi', 1, /found a header field/],
    ['hello world\n', 1, /expected an action line/],
    ['CGI-FROBNICATE x SIP/2.0\n', 1, /unknown action CGI-FROBNICATE/],
    ['CGI-PROXY-REQUEST sip:a@b.example\n', 1, /expected an action line/],
    ['CGI-PROXY-REQUEST sip:a@b.example SIP/3.0\n', 1, /unsupported SIP version/],
    ['SIP/2.0 20 OK\n', 1, /3-digit/],
    ['SIP/2.0 700 Nope\n', 1, /100 to 699/],
    ['SIP/2.0 200 OK\nthis is not a header\n', 2, /not a header field/],
    ['SIP/2.0 200 OK\nContent-Length: abc\n', 2, /bad Content-Length/],
    ['SIP/2.0 200 OK\nSubject: a\u0001b\n', 2, /control character/],
    ['CGI-PROXY-REQUEST sip:@@ SIP/2.0\n', 1, /bad URI/],
  ])('%j → line %i', (text, line, reason) => {
    const e = error(text);
    expect(e.line).toBe(line);
    expect(e.reason).toMatch(reason);
  });

  it('limits the number of actions', () => {
    const result = parseText('CGI-AGAIN yes SIP/2.0\n'.repeat(5), 4);
    expect(result).toEqual({ ok: false, error: { line: 5, reason: 'more than 4 actions in one output' } });
  });
});
