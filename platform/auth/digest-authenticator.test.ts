import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { computeHa1, type DigestAlgorithm } from '../store/ha1.js';
import { DigestAuthenticator, type DigestAuthenticatorOptions, type LookupHa1 } from './digest-authenticator.js';
import {
  formatDigestCredentials,
  parseDigestChallenge,
  parseDigestCredentials,
  type DigestChallenge,
  type DigestCredentials,
} from './digest-header.js';
import { answerDigestChallenge } from './digest-response.js';

const REALM = 'example.com';
const REGISTRAR_URI = 'sip:example.com';
const PASSWORDS: Record<string, string> = { alice: 'wonderland', bob: 'builder' };

const lookupHa1: LookupHa1 = (username, realm, algorithm) => {
  const password = PASSWORDS[username];
  return password === undefined || realm !== REALM ? undefined : computeHa1(algorithm, username, realm, password);
};

function setup(options: Partial<DigestAuthenticatorOptions> = {}) {
  const clock = { now: 1_700_000_000_000 };
  const auth = new DigestAuthenticator({
    logger: silentLogger,
    secret: Buffer.alloc(32, 1),
    clock: () => clock.now,
    ...options,
  });
  /** The challenge of the given algorithm from a fresh 401. */
  const challengeFor = (algorithm: DigestAlgorithm = 'SHA-256'): DigestChallenge => {
    for (const value of auth.challenge({ realm: REALM, proxy: false }).values) {
      const parsed = parseDigestChallenge(value);
      if (parsed.kind === 'digest' && parsed.value.algorithm === algorithm) return parsed.value;
    }
    throw new Error(`no ${algorithm} challenge`);
  };
  const answer = (challenge: DigestChallenge, over: Partial<Parameters<typeof answerDigestChallenge>[0]> = {}): string =>
    formatDigestCredentials(
      answerDigestChallenge({ challenge, username: 'alice', password: 'wonderland', method: 'REGISTER', uri: REGISTRAR_URI, ...over }),
    );
  const verify = (headerValue: string | string[] | undefined, over: { method?: string; requestUri?: string; realm?: string } = {}) =>
    auth.verify({ method: 'REGISTER', requestUri: REGISTRAR_URI, realm: REALM, headerValue, lookupHa1, ...over });
  return { auth, clock, challengeFor, answer, verify };
}

describe('DigestAuthenticator.challenge', () => {
  it('offers SHA-256 first, then MD5, with one nonce and qop="auth" (RFC 8760 §2.3–2.4)', () => {
    const { auth } = setup();
    const challenge = auth.challenge({ realm: REALM, proxy: false });
    expect(challenge.status).toBe(401);
    expect(challenge.headerName).toBe('WWW-Authenticate');
    const parsed = challenge.values.map((value) => parseDigestChallenge(value));
    expect(parsed.map((p) => p.kind === 'digest' && p.value.algorithm)).toEqual(['SHA-256', 'MD5']);
    expect(parsed.map((p) => p.kind === 'digest' && p.value.qop)).toEqual([['auth'], ['auth']]);
    const [first, second] = parsed;
    expect(first?.kind === 'digest' && second?.kind === 'digest' && first.value.nonce === second.value.nonce).toBe(true);
    expect(challenge.values[0]).toMatch(/^Digest realm="example.com", nonce="[A-Za-z0-9_-]+", algorithm=SHA-256, qop="auth"$/);
  });

  it('answers a proxy with 407 and Proxy-Authenticate, and marks stale=true when asked', () => {
    const { auth } = setup({ algorithms: ['SHA-256'] });
    const challenge = auth.challenge({ realm: REALM, proxy: true, stale: true });
    expect(challenge).toMatchObject({ status: 407, headerName: 'Proxy-Authenticate' });
    expect(challenge.values).toHaveLength(1);
    expect(parseDigestChallenge(challenge.values[0] as string)).toMatchObject({ kind: 'digest', value: { stale: true } });
  });
});

describe('DigestAuthenticator.verify', () => {
  it.each(['SHA-256', 'MD5'] as const)('accepts a correct %s response', async (algorithm) => {
    const { challengeFor, answer, verify } = setup();
    expect(await verify(answer(challengeFor(algorithm)))).toEqual({ ok: true, username: 'alice', realm: REALM, algorithm });
  });

  it('accepts increasing nonce-counts on one nonce and rejects a repeated one as a replay', async () => {
    const { challengeFor, answer, verify } = setup();
    const challenge = challengeFor();
    expect((await verify(answer(challenge, { nc: 1, cnonce: 'c1' }))).ok).toBe(true);
    expect((await verify(answer(challenge, { nc: 2, cnonce: 'c2' }))).ok).toBe(true);
    const replay = await verify(answer(challenge, { nc: 2, cnonce: 'c2' }));
    expect(replay).toMatchObject({ ok: false, reason: 'replay', username: 'alice', penalize: true });
    expect(await verify(answer(challenge, { nc: 1, cnonce: 'c3' }))).toMatchObject({ reason: 'replay' });
  });

  it('reports an expired nonce with a correct response as stale (not penalised)', async () => {
    const { challengeFor, answer, verify, clock } = setup({ nonceLifetimeMs: 300_000 });
    const credentials = answer(challengeFor());
    clock.now += 300_001;
    expect(await verify(credentials)).toMatchObject({ ok: false, reason: 'stale', penalize: false });
  });

  it('reports an expired nonce with a wrong response as a wrong password, not stale (RFC 2617 §3.2.1)', async () => {
    const { challengeFor, answer, verify, clock } = setup();
    const credentials = answer(challengeFor(), { password: 'guess' });
    clock.now += 400_000;
    expect(await verify(credentials)).toMatchObject({ ok: false, reason: 'wrong-password', penalize: true });
  });

  it('rejects a wrong password', async () => {
    const { challengeFor, answer, verify } = setup();
    const result = await verify(answer(challengeFor('MD5'), { password: 'Wonderland' }));
    expect(result).toMatchObject({ ok: false, reason: 'wrong-password', username: 'alice', penalize: true });
    expect(!result.ok && result.message).not.toMatch(/wonderland/i);
  });

  it('rejects an unknown user', async () => {
    const { challengeFor, answer, verify } = setup();
    expect(await verify(answer(challengeFor(), { username: 'mallory' }))).toMatchObject({
      ok: false,
      reason: 'unknown-user',
      username: 'mallory',
      penalize: true,
    });
  });

  it('rejects a tampered nonce as invalid-nonce', async () => {
    const { challengeFor, answer, verify } = setup();
    const challenge = challengeFor();
    const answered = parseDigestCredentials(answer(challenge));
    if (answered.kind !== 'digest') throw new Error('unparsed');
    // The attacker edits the nonce (e.g. its time stamp) and keeps the captured response.
    const nonce = challenge.nonce;
    const tampered: DigestCredentials = { ...answered.value, nonce: nonce.slice(0, 3) + (nonce[3] === 'A' ? 'B' : 'A') + nonce.slice(4) };
    expect(await verify(formatDigestCredentials(tampered))).toMatchObject({ ok: false, reason: 'invalid-nonce', penalize: true });
  });

  it('answers stale to a correct response on a nonce it never issued (restart, RFC 7616 §3.9.1 vector)', async () => {
    // The RFC's own credentials: correct for their nonce, which this server did not issue.
    const auth = new DigestAuthenticator({ logger: silentLogger, secret: Buffer.alloc(32, 2) });
    const header =
      'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, ' +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", ' +
      'qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    const input = { method: 'GET', requestUri: '/dir/index.html', realm: 'http-auth@example.org', headerValue: header };
    const ha1 = (password: string): LookupHa1 => (username, realm, algorithm) => computeHa1(algorithm, username, realm, password);
    expect(await auth.verify({ ...input, lookupHa1: ha1('Circle of Life') })).toMatchObject({ ok: false, reason: 'stale' });
    expect(await auth.verify({ ...input, lookupHa1: ha1('Circle Of Life') })).toMatchObject({ ok: false, reason: 'invalid-nonce' });
  });

  it('answers stale when the nonce-count history of a nonce predates this authenticator', async () => {
    const first = setup();
    const credentials = first.answer(first.challengeFor());
    // A new process with the same secret (restart): the nonce is authentic but its history is gone.
    const restarted = new DigestAuthenticator({ logger: silentLogger, secret: Buffer.alloc(32, 1), clock: () => first.clock.now + 1000 });
    const result = await restarted.verify({ method: 'REGISTER', requestUri: REGISTRAR_URI, realm: REALM, headerValue: credentials, lookupHa1 });
    expect(result).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('reports missing credentials and other schemes as missing, without penalty', async () => {
    const { verify } = setup();
    expect(await verify(undefined)).toMatchObject({ ok: false, reason: 'missing', penalize: false });
    expect(await verify([])).toMatchObject({ reason: 'missing' });
    expect(await verify('Basic YWxpY2U6d29uZGVybGFuZA==')).toMatchObject({ reason: 'missing', message: expect.stringContaining('Basic') });
  });

  it('reports unparseable credentials as malformed', async () => {
    const { verify } = setup();
    expect(await verify('Digest username="alice", realm="example.com"')).toMatchObject({ ok: false, reason: 'malformed', penalize: true });
    expect(await verify('Digest username="alice, realm=example.com')).toMatchObject({ reason: 'malformed' });
  });

  it('picks the credentials of its own realm among several (§22.3) and reports a realm mismatch', async () => {
    const { challengeFor, answer, verify } = setup();
    const ours = answer(challengeFor());
    const theirs = answer({ ...challengeFor(), realm: 'other.example' });
    expect((await verify([theirs, ours])).ok).toBe(true);
    expect(await verify([theirs])).toMatchObject({ ok: false, reason: 'realm-mismatch', penalize: false });
  });

  it('checks the digest uri against the Request-URI, by SIP URI equivalence', async () => {
    const { challengeFor, answer, verify } = setup();
    const challenge = challengeFor();
    expect(await verify(answer(challenge, { uri: 'sip:evil.example' }))).toMatchObject({ ok: false, reason: 'uri-mismatch' });
    expect((await verify(answer(challenge, { uri: 'sip:EXAMPLE.com', nc: 2 }))).ok).toBe(true);
    const lenient = setup({ checkUri: false });
    expect((await lenient.verify(lenient.answer(lenient.challengeFor(), { uri: 'sip:elsewhere' }))).ok).toBe(true);
  });

  it('refuses an algorithm it did not offer', async () => {
    const { auth } = setup({ algorithms: ['SHA-256'] });
    const sha = setup();
    const md5Credentials = sha.answer(sha.challengeFor('MD5'));
    const result = await auth.verify({ method: 'REGISTER', requestUri: REGISTRAR_URI, realm: REALM, headerValue: md5Credentials, lookupHa1 });
    expect(result).toMatchObject({ ok: false, reason: 'algorithm', penalize: false });
    const sess = md5Credentials.replace('algorithm=MD5', 'algorithm=MD5-sess');
    expect(await sha.verify(sess)).toMatchObject({ reason: 'algorithm' });
  });

  it('accepts RFC 2069 responses without qop only when configured', async () => {
    const strict = setup();
    const noQop = (s: ReturnType<typeof setup>) => s.answer({ ...s.challengeFor('MD5'), qop: undefined } as DigestChallenge);
    expect(await strict.verify(noQop(strict))).toMatchObject({ ok: false, reason: 'malformed', message: expect.stringContaining('qop') });
    const legacy = setup({ allowNoQop: true });
    const credentials = noQop(legacy);
    expect(credentials).not.toContain('nc=');
    expect((await legacy.verify(credentials)).ok).toBe(true);
  });

  it('rejects qop=auth-int, a zero nonce-count, and responses of the wrong length as malformed', async () => {
    const { challengeFor, answer, verify } = setup();
    const good = answer(challengeFor());
    expect(await verify(good.replace('qop=auth', 'qop=auth-int'))).toMatchObject({ reason: 'malformed' });
    expect(await verify(good.replace('nc=00000001', 'nc=00000000'))).toMatchObject({ reason: 'malformed' });
    expect(await verify(good.replace('nc=00000001', 'nc=1'))).toMatchObject({ reason: 'malformed' });
    expect(await verify(good.replace(/response="[0-9a-f]+"/, `response="${'a'.repeat(32)}"`))).toMatchObject({ reason: 'malformed' });
  });

  it('awaits an asynchronous HA1 lookup', async () => {
    const { challengeFor, answer, auth } = setup();
    const result = await auth.verify({
      method: 'REGISTER',
      requestUri: REGISTRAR_URI,
      realm: REALM,
      headerValue: answer(challengeFor()),
      lookupHa1: async (username, realm, algorithm) => lookupHa1(username, realm, algorithm),
    });
    expect(result.ok).toBe(true);
  });
});
