/**
 * The sample scripts of apps/cgi (RFC 3050 §3.2 and §4 examples), shell and Node, run through
 * the engine as an operator would deploy them: same expectations for both languages.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { formatUri } from '../sip/index.js';
import { CgiEngine } from './cgi-engine.js';
import type { CgiDecision, ForwardResponseStep, ProxyStep, RespondStep } from './cgi-decision.js';
import { request, response } from './test-support.js';

const samples = fileURLToPath(new URL('../../apps/cgi/', import.meta.url));

function engineFor(script: string): CgiEngine {
  return new CgiEngine({
    logger: silentLogger,
    cgiBin: samples,
    routes: [{ match: /./, script }],
    server: { name: 'sip.example.com', software: 'Switchboard/0.1.0' },
    scriptCacheMs: 0,
    invoker: { timeoutMs: 3000 },
  });
}

const facts = (txId: string) => ({ txId, remoteAddress: '192.0.2.10', localPort: 5060 });
const kinds = (d: CgiDecision) => d.steps.map((s) => s.kind);
const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n';

describe.each(['sh', 'mjs'])('apps/cgi samples (%s)', (ext) => {
  it('hello-200 answers 200 OK (§4 example 1)', async () => {
    const decision = await engineFor(`hello-200.${ext}`).handleRequest(request('', sdp), facts('h1'));
    const r = (decision.steps[0] as RespondStep).response;
    expect(r.status).toBe(200);
    expect(r.getHeader('Contact')).toBe('<sip:cgi@sip.example.com:5060>');
    expect(r.getHeader('Subject')).toBe('hello from SIP-CGI (INVITE sip:bob@example.com)');
    expect(r.to.params.get('tag')).toBeTruthy();
  });

  it('proxy-dante proxies to sip:dante@inferno.com with the Contact replaced (§4 example 2)', async () => {
    const invite = request('', sdp);
    const decision = await engineFor(`proxy-dante.${ext}`).handleRequest(invite, facts('p1'));
    expect(kinds(decision)).toEqual(['proxy']);
    const step = decision.steps[0] as ProxyStep;
    expect(formatUri(step.target)).toBe('sip:dante@inferno.com');
    expect(step.request.getHeader('Contact')).toBe('sip:server1@company.com');
    expect(step.request.body.toString()).toBe(sdp);
  });

  it('forward-busy: 181 + proxy + cookie; busy → voice mail; 2xx forwarded by token; failure → 480 (§3.2, §4 examples 3–5)', async () => {
    const engine = engineFor(`forward-busy.${ext}`);
    const invite = request('', sdp);
    const first = await engine.handleRequest(invite, facts('f1'));
    expect(kinds(first)).toEqual(['respond', 'proxy']);
    expect((first.steps[0] as RespondStep).response.status).toBe(181);
    const bob = first.steps[1] as ProxyStep;
    expect(bob).toMatchObject({ requestToken: 'first', expires: 20 });

    const ringing = await engine.handleResponse('f1', response(180, 'Ringing'), { branchId: bob.branchId, remoteAddress: '192.0.2.20' });
    expect(ringing).toMatchObject({ invoked: true, steps: [], defaultAction: true });

    const busy = await engine.handleResponse('f1', response(486, 'Busy Here'), { branchId: bob.branchId, remoteAddress: '192.0.2.20' });
    expect(kinds(busy)).toEqual(['proxy']);
    const voicemail = busy.steps[0] as ProxyStep;
    expect(formatUri(voicemail.target)).toBe('sip:voicemail@192.0.2.99');
    // A response-triggered proxy sends the transaction's initial request (§5.6.1.2).
    expect(voicemail.request.method).toBe('INVITE');
    expect(voicemail.request.callId).toBe(invite.callId);
    expect(voicemail.request.body.toString()).toBe(sdp);

    const ok = await engine.handleResponse('f1', response(200, 'OK'), { branchId: voicemail.branchId, remoteAddress: '192.0.2.99' });
    const forwarded = ok.steps[0] as ForwardResponseStep;
    expect(forwarded.kind).toBe('forward-response');
    expect(forwarded.response.status).toBe(200);
    expect(forwarded.response.getHeader('X-Forwarded-By')).toBe('forward-busy (voicemail)');

    const engine2 = engineFor(`forward-busy.${ext}`);
    const again = await engine2.handleRequest(request('', sdp), facts('f2'));
    const b1 = (again.steps[1] as ProxyStep).branchId;
    const timeout = await engine2.handleResponse('f2', response(408, 'Request Timeout'), { branchId: b1, locallyGenerated: true });
    const vm = (timeout.steps[0] as ProxyStep).branchId;
    const failed = await engine2.handleResponse('f2', response(503, 'Service Unavailable'), { branchId: vm, remoteAddress: '192.0.2.99' });
    expect((failed.steps[0] as RespondStep).response.status).toBe(480);
    expect((failed.steps[0] as RespondStep).response.getHeader('Retry-After')).toBe('300');
  });

  it('screen-caller rejects a blocked caller with a body, rejects INVITE without SDP, and otherwise takes the default action', async () => {
    const engine = engineFor(`screen-caller.${ext}`);
    const blocked = request('', sdp);
    blocked.setHeader('From', '<sip:spam@example.net>;tag=x');
    const refused = await engine.handleRequest(blocked, facts('s1'));
    const r = (refused.steps[0] as RespondStep).response;
    expect(r.status).toBe(403);
    expect(r.getHeader('Content-Type')).toBe('text/plain');
    expect(r.body.toString()).toBe('calls from sip:spam@example.net are refused');
    expect(((await engine.handleRequest(request(), facts('s2'))).steps[0] as RespondStep).response.status).toBe(488);
    expect(await engine.handleRequest(request('', sdp), facts('s3'))).toMatchObject({ invoked: true, steps: [], defaultAction: true });
  });
});
