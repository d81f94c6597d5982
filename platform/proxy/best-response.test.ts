import { describe, expect, it } from 'vitest';
import { chooseBestResponse, convertServiceUnavailable, mergeChallenges, type CollectedResponse } from './best-response.js';
import { response } from './test-support.js';

function collected(status: number, synthetic = false, extra: string[] = []): CollectedResponse {
  return {
    response: response([
      `SIP/2.0 ${status} Whatever`,
      'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKx',
      'From: <sip:alice@example.com>;tag=a',
      `To: <sip:bob@example.com>;tag=t${status}`,
      'Call-ID: c',
      'CSeq: 1 INVITE',
      ...extra,
    ]),
    synthetic,
  };
}

describe('chooseBestResponse (RFC 3261 §16.7 step 6)', () => {
  const table: Array<{ name: string; statuses: Array<number | [number, boolean]>; best: number | undefined }> = [
    { name: 'no final response: none (the caller sends 408)', statuses: [], best: undefined },
    { name: 'a single response is chosen', statuses: [486], best: 486 },
    { name: 'the lowest class wins: 3xx over 4xx and 5xx', statuses: [500, 486, 302], best: 302 },
    { name: 'the lowest class wins: 4xx over 5xx', statuses: [503, 404], best: 404 },
    { name: '6xx wins over every other class', statuses: [302, 404, 603], best: 603 },
    { name: '6xx wins even when it came first', statuses: [600, 486, 480], best: 600 },
    { name: 'within 4xx, 401/407 are preferred (they let the caller resubmit)', statuses: [404, 407, 486], best: 407 },
    { name: 'within 4xx, 401 before 407', statuses: [407, 401], best: 401 },
    { name: '415, 420 and 484 are preferred over other 4xx', statuses: [486, 484], best: 484 },
    { name: 'otherwise the lowest code in the class', statuses: [486, 480, 404], best: 404 },
    { name: 'a real response beats a synthetic one of the same class', statuses: [[408, true], 486], best: 486 },
    { name: 'synthetic responses are chosen when nothing else exists', statuses: [[408, true], [503, true]], best: 408 },
    { name: 'provisional responses are never chosen', statuses: [180, 486], best: 486 },
  ];
  for (const row of table) {
    it(row.name, () => {
      const entries = row.statuses.map((entry) => (Array.isArray(entry) ? collected(entry[0], entry[1]) : collected(entry)));
      expect(chooseBestResponse(entries)?.response.status).toBe(row.best);
    });
  }
});

describe('mergeChallenges (§16.7 step 7)', () => {
  it('adds the WWW-Authenticate and Proxy-Authenticate values of every other 401/407 to the chosen one', () => {
    const a = collected(401, false, ['WWW-Authenticate: Digest realm="a.example", nonce="1"']);
    const b = collected(407, false, ['Proxy-Authenticate: Digest realm="b.example", nonce="2"']);
    const c = collected(401, false, ['WWW-Authenticate: Digest realm="c.example", nonce="3"', 'WWW-Authenticate: Digest realm="a.example", nonce="1"']);
    const other = collected(486, false, ['WWW-Authenticate: Digest realm="ignored", nonce="9"']);
    const all = [a, b, c, other];
    const best = chooseBestResponse(all);
    expect(best).toBe(a);
    mergeChallenges(a.response, all);
    expect(a.response.getHeaders('WWW-Authenticate')).toEqual(['Digest realm="a.example", nonce="1"', 'Digest realm="c.example", nonce="3"']);
    expect(a.response.getHeaders('Proxy-Authenticate')).toEqual(['Digest realm="b.example", nonce="2"']);
  });
});

describe('convertServiceUnavailable (§16.7 step 6)', () => {
  it('turns a 503 into a 500 and drops Retry-After', () => {
    const { response: r } = collected(503, false, ['Retry-After: 30']);
    convertServiceUnavailable(r);
    expect(r.status).toBe(500);
    expect(r.reason).toBe('Server Internal Error');
    expect(r.hasHeader('Retry-After')).toBe(false);
  });
  it('leaves other statuses alone', () => {
    const { response: r } = collected(500);
    convertServiceUnavailable(r);
    expect(r.status).toBe(500);
  });
});
