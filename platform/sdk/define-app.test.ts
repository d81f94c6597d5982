/**
 * The guest side of the SDK, run directly (it is plain code; in production it runs inside the
 * isolate): dispatch per method, 501 for unhandled methods, one action per attempt, proxy
 * parking and resuming in the outcome event, response handlers by class, session attributes,
 * timers and grants.
 */
import { describe, expect, it } from 'vitest';
import { defineApp } from './define-app.js';
import type { OutcomeEventPayload, RequestEventPayload, WireOutcome, WireSession } from './protocol.js';

const session = (attributes: WireSession['attributes'] = {}): WireSession => ({ id: 'call-1', attributes, createdAt: 1, expiresAt: 2 });

function request(method: string, extra: Partial<RequestEventPayload> = {}): RequestEventPayload {
  return {
    callRef: 'call-1#1',
    session: session(),
    grants: ['timers'],
    request: {
      method,
      uri: 'sip:bob@sb.test',
      headers: [
        'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1',
        'From: "Alice" <sip:alice@outside.test>;tag=a1',
        'To: <sip:bob@sb.test>',
        'Call-ID: call-1',
        `CSeq: 1 ${method}`,
        'Subject: hi',
      ].join('\r\n'),
      body: 'hello',
      direction: 'terminating',
      aor: 'bob@sb.test',
      source: { protocol: 'udp', address: '127.0.0.1', port: 5070 },
    },
    ...extra,
  };
}

function outcome(kind: WireOutcome['kind'], status: number, reason: string): OutcomeEventPayload {
  return {
    callRef: 'call-1#1',
    session: session(),
    grants: [],
    outcome: { kind, status, reason, timedOut: false, contacts: [] },
    response: { status, reason, headers: '', body: '' },
  };
}

describe('defineApp (guest SDK)', () => {
  it('answers an initial request without a handler 501, and uses onRequest as the catch-all', async () => {
    const app = defineApp({ onInvite: (req) => req.reply(486) });
    expect((await app.request(request('MESSAGE'))).action).toEqual({ kind: 'reply', status: 501, reason: 'Not Implemented', headers: [] });
    const all = defineApp({ onRequest: (req) => req.reply(202, 'Accepted', { 'X-Method': req.method }, 'ok') });
    expect((await all.request(request('FOO'))).action).toEqual({
      kind: 'reply',
      status: 202,
      reason: 'Accepted',
      headers: [['X-Method', 'FOO']],
      body: { contentType: 'text/plain', content: 'ok' },
    });
  });

  it('reads the request: parties, headers, body; a handler that does nothing passes', async () => {
    let seen: unknown;
    const app = defineApp({
      onMessage(req) {
        seen = { from: req.from, to: req.to.uri, callId: req.callId, subject: req.headers.get('subject'), body: req.body };
      },
    });
    // No action: the engine continues to the next app and normal routing, as with req.pass().
    expect((await app.request(request('MESSAGE'))).action).toBeUndefined();
    expect(seen).toEqual({
      from: { uri: 'sip:alice@outside.test', user: 'alice', host: 'outside.test', displayName: 'Alice', tag: 'a1' },
      to: 'sip:bob@sb.test',
      callId: 'call-1',
      subject: 'hi',
      body: 'hello',
    });
  });

  it('refuses a second action, system-header writes and non-final reply statuses', async () => {
    const errors: string[] = [];
    const app = defineApp({
      onInvite(req) {
        req.reply(486);
        for (const attempt of [() => req.reply(200), () => req.headers.set('Call-ID', 'x'), () => req.reply(180)]) {
          try {
            attempt();
          } catch (error) {
            errors.push((error as Error).message);
          }
        }
      },
    });
    await app.request(request('INVITE'));
    expect(errors).toEqual([
      'the request was already handled in this attempt (reply)',
      'Call-ID is a system header; the container owns it',
      'reply status must be a final status 200–699, got 180',
    ]);
  });

  it('a thrown error fails the event (the engine answers 500)', async () => {
    const app = defineApp({ onInvite: () => Promise.reject(new Error('boom')) });
    await expect(app.request(request('INVITE'))).rejects.toThrow('boom');
  });

  it('proxy() ends the event with the proxy action and edits; the handler resumes in the outcome event', async () => {
    const steps: string[] = [];
    const app = defineApp({
      async onInvite(req, ctx) {
        req.headers.set('X-Screened', 'yes');
        steps.push('proxy 1');
        const first = await req.proxy(['sip:a@192.0.2.1', { uri: 'sip:b@192.0.2.2', q: 0.5 }], { mode: 'parallel', timeout: 3, recordRoute: true });
        steps.push(`outcome ${first.status} ${first.outcome}`);
        ctx.session.set('first', first.status);
        if (first.outcome === 'busy') await req.proxy('sip:vm@192.0.2.3');
        steps.push('done');
      },
    });
    const first = await app.request(request('INVITE'));
    expect(first.action).toEqual({
      kind: 'proxy',
      targets: [{ uri: 'sip:a@192.0.2.1' }, { uri: 'sip:b@192.0.2.2', q: 0.5 }],
      forking: 'parallel',
      recordRoute: true,
      timeoutMs: 3000,
      supervised: false,
      edits: { headers: [['X-Screened', 'yes']], remove: [] },
    });
    expect(steps).toEqual(['proxy 1']);
    const second = await app.outcome(outcome('busy', 486, 'Busy Here'));
    expect(second.action).toMatchObject({ kind: 'proxy', targets: [{ uri: 'sip:vm@192.0.2.3' }] });
    expect(second.session).toEqual({ attributes: { first: 486 } });
    expect(steps).toEqual(['proxy 1', 'outcome 486 busy']);
    const third = await app.outcome(outcome('success', 200, 'OK'));
    expect(third.action).toBeUndefined();
    expect(steps).toEqual(['proxy 1', 'outcome 486 busy', 'done']);
  });

  it('response handlers by class run on the outcome, before an awaiting handler, and may act', async () => {
    const calls: string[] = [];
    const app = defineApp({
      onInvite(req) {
        void req.proxy('sip:a@192.0.2.1');
      },
      onErrorResponse(res) {
        calls.push(`error ${res.status}`);
        res.request.redirect('sip:elsewhere@192.0.2.9');
      },
      onSuccessResponse(res) {
        calls.push(`success ${res.status}`);
      },
    });
    await app.request(request('INVITE'));
    const result = await app.outcome(outcome('failure', 404, 'Not Found'));
    expect(calls).toEqual(['error 404']);
    expect(result.action).toEqual({ kind: 'redirect', contacts: [{ uri: 'sip:elsewhere@192.0.2.9' }], permanent: false });
    // The call is over: a late outcome for it changes nothing.
    expect(await app.outcome(outcome('success', 200, 'OK'))).toEqual({});
  });

  it('session attributes must be plain data; timers need their grant and return named, payload-only events', async () => {
    const problems: string[] = [];
    const app = defineApp({
      onMessage(req, ctx) {
        ctx.session.set('seen', [1, { at: new Date(0) }]);
        try {
          ctx.session.set('fn', { f: () => 1 } as never);
        } catch (error) {
          problems.push((error as Error).message);
        }
        const timer = ctx.timers.start('reminder', 500, { to: req.from.uri }, { repeatMs: 1000 });
        ctx.timers.start('other', 10).cancel();
        ctx.session.setExpires(60_000);
        req.reply(200);
        expect(timer.name).toBe('reminder');
      },
      timers: {
        reminder(timer, ctx) {
          ctx.session.set('fired', timer.payload ?? null);
        },
      },
    });
    const result = await app.request(request('MESSAGE'));
    expect(problems[0]).toMatch(/must be plain data .*functions cannot be stored/);
    expect(result.session).toEqual({ attributes: { seen: [1, { at: new Date(0) }] }, expiresInMs: 60_000 });
    expect(result.timers?.start).toEqual([{ id: expect.stringMatching(/^reminder\./), name: 'reminder', payload: { to: 'sip:alice@outside.test' }, delayMs: 500, repeatMs: 1000 }]);
    expect(result.timers?.cancel).toEqual([]);
    const fired = await app.timer({ session: session({ seen: 1 }), grants: ['timers'], timer: { id: 't1', name: 'reminder', payload: { to: 'x' } } });
    expect(fired.session?.attributes).toEqual({ seen: 1, fired: { to: 'x' } });

    const ungranted = defineApp({ onMessage: (_req, ctx) => void ctx.timers.start('t', 10) });
    await expect(ungranted.request(request('MESSAGE', { grants: [] }))).rejects.toThrow(/permission "timers" is not granted/);
  });
});
