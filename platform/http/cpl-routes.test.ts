import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CplScriptCache } from '../../cpl/index.js';
import { silentLogger } from '../log/logger.js';
import { openCplStore, type CplStore } from '../store/cpl-store.js';
import { createCplRoutes } from './cpl-routes.js';
import type { Caller, HttpAccess } from './http-access.js';

/** Stand-in for the real HttpAccess (another module): `Bearer admin` is the admin token,
 *  `X-Test-User: bob@sb.test` proves bob. It follows the interface's reply rules. */
const access: HttpAccess = {
  async identify(request: FastifyRequest): Promise<Caller | undefined> {
    if (request.headers.authorization === 'Bearer admin') return { kind: 'admin' };
    const user = request.headers['x-test-user'];
    return typeof user === 'string' ? { kind: 'user', aor: user } : undefined;
  },
  async requireUser(request: FastifyRequest, reply: FastifyReply, aor: string): Promise<boolean> {
    const caller = await access.identify(request);
    if (caller?.kind === 'admin' || (caller?.kind === 'user' && caller.aor === aor)) return true;
    await reply.status(caller ? 403 : 401).send({ error: caller ? 'forbidden' : 'unauthorized', message: 'no' });
    return false;
  },
  async requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    if ((await access.identify(request))?.kind === 'admin') return true;
    await reply.status(403).send({ error: 'forbidden', message: 'no' });
    return false;
  },
};

const fixture = (path: string): string => readFileSync(new URL(`../../cpl/fixtures/${path}`, import.meta.url), 'utf8');
const BOB = { 'x-test-user': 'bob@sb.test' };
const XML = { 'content-type': 'application/cpl+xml' };
const REJECT = (reason: string): string => `<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><reject status="reject" reason="${reason}"/></incoming></cpl>`;

describe('CPL HTTP API', () => {
  let app: FastifyInstance;
  let store: CplStore;
  let cache: CplScriptCache;

  beforeEach(async () => {
    store = openCplStore({ dataDir: '/unused', fileName: ':memory:', logger: silentLogger });
    cache = new CplScriptCache();
    app = Fastify();
    await app.register(async (scope) => createCplRoutes({ scripts: store.scripts, logs: store.logs, access, cache })(scope));
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    store.close();
  });

  const put = (aor: string, body: string, headers: Record<string, string> = { ...BOB, ...XML }) =>
    app.inject({ method: 'PUT', url: `/api/v1/users/${encodeURIComponent(aor)}/cpl`, headers, payload: body });

  it('stores a script (201, then 200 with version 2), returns it byte for byte, deletes it', async () => {
    const first = await put('bob@sb.test', REJECT('one'));
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ aor: 'bob@sb.test', version: 1, size: REJECT('one').length, warnings: [] });
    const second = await put('bob@SB.test', REJECT('two'), { ...BOB, 'content-type': 'text/xml; charset=utf-8' });
    expect(second.statusCode).toBe(200);
    expect(second.json().version).toBe(2);
    expect(cache.get('bob@sb.test', second.json().hash)).not.toBeNull(); // the engine's cache is current

    const got = await app.inject({ method: 'GET', url: '/api/v1/users/sip:bob@sb.test/cpl', headers: BOB });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toMatch(/^application\/cpl\+xml/u);
    expect(got.headers.etag).toBe(`"${second.json().hash}"`);
    expect(got.body).toBe(REJECT('two'));
    const json = await app.inject({ method: 'GET', url: '/api/v1/users/bob@sb.test/cpl', headers: { ...BOB, accept: 'application/json' } });
    expect(json.json()).toMatchObject({ version: 2, script: REJECT('two') });

    expect((await app.inject({ method: 'DELETE', url: '/api/v1/users/bob@sb.test/cpl', headers: BOB })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/v1/users/bob@sb.test/cpl', headers: BOB })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/users/bob@sb.test/cpl', headers: BOB })).statusCode).toBe(404);
  });

  it('rejects a bad script with 422 and its problems; the previous script stays active', async () => {
    await put('bob@sb.test', REJECT('kept'));
    const bad = await put('bob@sb.test', '<cpl xmlns="urn:ietf:params:xml:ns:cpl">\n  <incoming>\n    <reject status="maybe"/>\n  </incoming>\n</cpl>');
    expect(bad.statusCode).toBe(422);
    const body = bad.json() as { error: string; problems: Array<{ line: number; column: number; rule: string; message: string }> };
    expect(body.error).toBe('invalid-script');
    expect(body.problems[0]).toMatchObject({ line: 3, rule: 'reject-status-invalid' });
    expect(body.problems[0]?.column).toBeGreaterThan(0);
    expect((await app.inject({ method: 'GET', url: '/api/v1/users/bob@sb.test/cpl', headers: BOB })).body).toBe(REJECT('kept'));
  });

  it("keeps users to their own script: 401 without credentials, 403 for another user's, the admin may", async () => {
    expect((await put('bob@sb.test', REJECT('x'), XML)).statusCode).toBe(401);
    expect((await put('alice@sb.test', REJECT('x'))).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/v1/users/alice@sb.test/cpl', headers: BOB })).statusCode).toBe(403);
    expect((await put('alice@sb.test', REJECT('x'), { authorization: 'Bearer admin', ...XML })).statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/api/v1/users/alice@sb.test/cpl/log', headers: BOB })).statusCode).toBe(403);
  });

  it('answers 415 for a body that is not XML, 400 for an empty body or a bad AOR', async () => {
    const json = await put('bob@sb.test', '{"a":1}', { ...BOB, 'content-type': 'application/json' });
    expect(json.statusCode).toBe(415);
    expect(json.json().error).toBe('unsupported-media-type');
    expect((await put('bob@sb.test', '', { ...BOB, ...XML })).statusCode).toBe(400);
    expect((await put('not-an-aor', REJECT('x'))).statusCode).toBe(400);
  });

  describe('hostile uploads are refused with a named error and the server keeps serving', () => {
    const cases: Array<[string, () => string, string]> = [
      ['an entity bomb (billion laughs)', () => fixture('hostile/billion-laughs.cpl'), 'xml-'],
      ['an external entity (XXE, file:///etc/passwd)', () => fixture('hostile/xxe-file-passwd.cpl'), 'xml-'],
      ['a parameter entity', () => fixture('hostile/xxe-parameter-entity.cpl'), 'xml-'],
      ['self-recursion through sub', () => fixture('hostile/sub-self-recursion.cpl'), 'sub-'],
      ['mutual recursion through sub', () => fixture('hostile/sub-mutual-recursion.cpl'), 'sub-'],
      ['a huge script (200 KB)', () => `<cpl xmlns="urn:ietf:params:xml:ns:cpl"><!--${'x'.repeat(200_000)}--><incoming/></cpl>`, 'xml-too-large'],
      ['deep nesting', () => `<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming>${'<location url="sip:a@b">'.repeat(200)}<proxy/>${'</location>'.repeat(200)}</incoming></cpl>`, 'xml-too-deep'],
    ];
    for (const [what, script, rule] of cases) {
      it(what, async () => {
        const t0 = Date.now();
        const response = await put('bob@sb.test', script());
        expect(Date.now() - t0).toBeLessThan(2000);
        expect(response.statusCode).toBe(422);
        const problems = (response.json() as { problems: Array<{ rule: string; message: string }> }).problems;
        expect(problems.length).toBeGreaterThan(0);
        expect(problems.some((p) => p.rule.startsWith(rule)), JSON.stringify(problems)).toBe(true);
        expect(problems[0]?.message.length).toBeGreaterThan(10);
        expect(JSON.stringify(problems)).not.toContain('root:'); // no /etc/passwd content leaked
        // Still serving: a good upload works right after.
        expect((await put('bob@sb.test', REJECT('fine'))).statusCode).toBeLessThan(300);
      });
    }

    it('a body over 1 MiB is cut off with 413 before parsing', async () => {
      const response = await put('bob@sb.test', `<cpl>${' '.repeat(1_100_000)}</cpl>`);
      expect(response.statusCode).toBe(413);
      expect(response.json().error).toBe('too-large');
    });
  });

  it('lists log entries newest first, with paging', async () => {
    for (let i = 1; i <= 3; i++) {
      await store.logs.append({ aor: 'bob@sb.test', time: Date.UTC(2026, 11, 3, 1, i), name: null, comment: `c${i}`, origin: 'sip:a@b', destination: 'sip:bob@sb.test', callId: `id${i}` });
    }
    const page = await app.inject({ method: 'GET', url: '/api/v1/users/bob@sb.test/cpl/log?limit=2', headers: BOB });
    const entries = (page.json() as { entries: Array<{ id: number; comment: string; time: string }> }).entries;
    expect(entries.map((e) => e.comment)).toEqual(['c3', 'c2']);
    expect(entries[0]?.time).toBe('2026-12-03T01:03:00.000Z');
    const next = await app.inject({ method: 'GET', url: `/api/v1/users/bob@sb.test/cpl/log?before=${entries[1]?.id}`, headers: BOB });
    expect((next.json() as { entries: Array<{ comment: string }> }).entries.map((e) => e.comment)).toEqual(['c1']);
    expect((await app.inject({ method: 'GET', url: '/api/v1/users/bob@sb.test/cpl/log?limit=0', headers: BOB })).statusCode).toBe(400);
  });

  it('validates without storing', async () => {
    const ok = await app.inject({ method: 'POST', url: '/api/v1/cpl/validate', headers: { ...BOB, ...XML }, payload: fixture('rfc3880/fig20-call-forward-busy-noanswer.cpl') });
    expect(ok.json()).toEqual({ valid: true, problems: [], warnings: [] });
    const bad = await app.inject({ method: 'POST', url: '/api/v1/cpl/validate', headers: { ...BOB, ...XML }, payload: fixture('hostile/sub-self-recursion.cpl') });
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toMatchObject({ valid: false, problems: [{ rule: 'sub-self-reference' }] });
    expect((await app.inject({ method: 'POST', url: '/api/v1/cpl/validate', headers: XML, payload: REJECT('x') })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/v1/users/bob@sb.test/cpl', headers: BOB })).statusCode).toBe(404);
  });

  it('simulates Figure 20: busy → voicemail, with the decision path and actions in order', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/cpl/simulate',
      headers: BOB,
      payload: {
        script: fixture('rfc3880/fig20-call-forward-busy-noanswer.cpl'),
        call: { direction: 'incoming', from: '<sip:caller@example.org>', to: '<sip:jones@example.com>', time: '2026-12-03T10:00:00Z', headers: { Subject: 'hi' } },
        outcomes: { 'sip:jones@jonespc.example.com': 486, 'sip:jones@voicemail.example.com': 'answer' },
      },
    });
    expect(response.statusCode).toBe(200);
    const sim = response.json() as { format: string; ok: boolean; steps: Array<{ element: string; line: number }>; actions: Array<{ kind: string; targets: string[]; result: string }>; decision: { kind: string } };
    expect(sim.format).toBe('switchboard.cpl.simulation/1');
    expect(sim.ok).toBe(true);
    expect(sim.actions.map((a) => [a.targets[0], a.result])).toEqual([
      ['sip:jones@jonespc.example.com', '486 Busy Here'],
      ['sip:jones@voicemail.example.com', '200 OK'],
    ]);
    expect(sim.steps.some((s) => s.element === 'proxy' && s.line === 12)).toBe(true);
    expect(sim.decision.kind).toBe('proceed');
  });

  it('simulate: 302 outcomes, invalid scripts (ok false) and malformed requests (400)', async () => {
    const redirect = await app.inject({
      method: 'POST',
      url: '/api/v1/cpl/simulate',
      headers: BOB,
      payload: { script: fixture('rfc3880/fig20-call-forward-busy-noanswer.cpl'), call: { from: '<sip:a@b>', to: '<sip:jones@example.com>' }, outcomes: { '*': '302:sip:c@d' } },
    });
    expect(redirect.statusCode).toBe(200);
    expect(JSON.stringify(redirect.json().actions)).toContain('sip:c@d');
    const invalid = await app.inject({ method: 'POST', url: '/api/v1/cpl/simulate', headers: BOB, payload: { script: '<cpl', call: { from: '<sip:a@b>', to: '<sip:c@d>' } } });
    expect(invalid.json()).toMatchObject({ ok: false, decision: null });
    expect(invalid.json().errors.length).toBeGreaterThan(0);
    const missing = await app.inject({ method: 'POST', url: '/api/v1/cpl/simulate', headers: BOB, payload: { script: REJECT('x'), call: { from: '<sip:a@b>' } } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toMatch(/call\.to/u);
    const badOutcome = await app.inject({
      method: 'POST',
      url: '/api/v1/cpl/simulate',
      headers: BOB,
      payload: { script: fixture('rfc3880/fig20-call-forward-busy-noanswer.cpl'), call: { from: '<sip:a@b>', to: '<sip:jones@example.com>' }, outcomes: { '*': 'sometimes' } },
    });
    expect(badOutcome.statusCode).toBe(400);
    expect(badOutcome.json().message).toMatch(/sometimes/u);
  });
});
