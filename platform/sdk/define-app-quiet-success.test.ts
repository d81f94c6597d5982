/**
 * Quiet success (WireAction `quietSuccess`): a proxy whose success nothing in the app waits for
 * is marked, so the host can skip the success outcome event; anything that could observe the
 * success keeps it. Released calls are let go on the next event.
 */
import { describe, expect, it } from 'vitest';
import { defineApp } from './define-app.js';
import type { OutcomeEventPayload, RequestEventPayload, WireAction } from './protocol.js';
import type { AppDefinition } from './types.js';

const session = { id: 's-1', attributes: {}, createdAt: 1, expiresAt: 2 };

function invite(callRef = 'c#1', released?: string[]): RequestEventPayload {
  return {
    callRef,
    session,
    grants: [],
    ...(released ? { released } : {}),
    request: {
      method: 'INVITE',
      uri: 'sip:bob@sb.test',
      headers: [
        'From: <sip:alice@outside.test>;tag=a1',
        'To: <sip:bob@sb.test>',
        'Call-ID: call-1',
        'CSeq: 1 INVITE',
      ].join('\r\n'),
      body: '',
      direction: 'terminating',
      aor: 'bob@sb.test',
      source: { protocol: 'udp', address: '127.0.0.1', port: 5070 },
    },
  };
}

function outcome(kind: 'success' | 'busy', callRef = 'c#1'): OutcomeEventPayload {
  const status = kind === 'success' ? 200 : 486;
  return { callRef, session, grants: [], outcome: { kind, status, reason: '', timedOut: false, contacts: [] }, response: { status, reason: '', headers: '', body: '' } };
}

async function actionOf(definition: AppDefinition): Promise<WireAction | undefined> {
  return (await defineApp(definition).request(invite())).action;
}

describe('quiet success', () => {
  it('marks a proxy whose promise is only handed back, or dropped', async () => {
    expect(await actionOf({ onInvite: (req) => req.proxy(req.uri) })).toMatchObject({ kind: 'proxy', quietSuccess: true });
    expect(
      await actionOf({
        onInvite(req) {
          void req.proxy('sip:bob@192.0.2.7');
        },
      }),
    ).toMatchObject({ kind: 'proxy', quietSuccess: true });
  });

  it('does not mark a proxy that anything waits for', async () => {
    const waiting: AppDefinition[] = [
      {
        async onInvite(req) {
          await req.proxy(req.uri);
        },
      },
      { onInvite: async (req) => req.proxy(req.uri) },
      {
        onInvite(req) {
          void req.proxy(req.uri).then(() => undefined);
        },
      },
      {
        onInvite(req) {
          void Promise.all([req.proxy(req.uri)]);
        },
      },
      {
        onInvite(req) {
          void (async () => {
            await req.proxy(req.uri);
          })();
        },
      },
      { onInvite: (req) => req.proxy(req.uri), onSuccessResponse: () => undefined },
      { onInvite: (req) => req.proxy(req.uri), onResponse: () => undefined },
    ];
    for (const definition of waiting) {
      const action = await actionOf(definition);
      expect(action).toMatchObject({ kind: 'proxy' });
      expect(action).not.toHaveProperty('quietSuccess');
    }
  });

  it('a quiet proxy still hears failures; a released call is let go on the next event', async () => {
    const seen: number[] = [];
    const app = defineApp({ onInvite: (req) => req.proxy(req.uri), onErrorResponse: (res) => void seen.push(res.status) });
    expect((await app.request(invite('c#1'))).action).toMatchObject({ quietSuccess: true });
    await app.outcome(outcome('busy', 'c#1'));
    expect(seen).toEqual([486]);
    // A second call ends quietly; the host tells the SDK with the next event.
    expect((await app.request(invite('c#2'))).action).toMatchObject({ quietSuccess: true });
    await app.request(invite('c#3', ['c#2']));
    // Its state is gone: a (never sent) failure for it finds nothing to resume.
    await app.outcome(outcome('busy', 'c#2'));
    expect(seen).toEqual([486]);
    await app.outcome(outcome('busy', 'c#3'));
    expect(seen).toEqual([486, 486]);
  });
});
