import { describe, expect, it } from 'vitest';
import { createParams, parseUri, type Via } from '../sip/index.js';
import { createBranch, hashOfBranch, isLooped, loopHash, statelessBranch } from './loop-detection.js';
import { invite, PROXY_HOST } from './test-support.js';

const ours = (via: Via): boolean => via.host === PROXY_HOST && (via.port ?? 5060) === 5060;

/** The request as it would come back after we forwarded it with `branch` and it went round. */
function comeBack(uri: string, branch: string) {
  return invite([], uri, `SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKother, SIP/2.0/UDP ${PROXY_HOST}:5060;branch=${branch}, SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKalice1`);
}

describe('loop detection (RFC 3261 §16.3 item 4)', () => {
  it('carries the hash in our branch and finds it again', () => {
    const branch = createBranch('abc123');
    expect(branch.startsWith('z9hG4bK')).toBe(true);
    expect(hashOfBranch(branch)).toBe('abc123');
    expect(hashOfBranch('z9hG4bKsomeoneelse')).toBeUndefined();
    expect(createBranch('abc123')).not.toBe(branch);
  });

  it('detects a request that comes back unchanged as a loop', () => {
    const first = invite();
    const branch = createBranch(loopHash(first, first.uri, first.topVia));
    expect(isLooped(first, ours)).toBe(false);
    expect(isLooped(comeBack('sip:bob@example.com', branch), ours)).toBe(true);
  });

  it('lets a spiral through: the Request-URI changed since we forwarded it', () => {
    const first = invite();
    const branch = createBranch(loopHash(first, first.uri, first.topVia));
    expect(isLooped(comeBack('sip:bob@192.0.2.99', branch), ours)).toBe(false);
  });

  it('hashes the Request-URI as received, not as rewritten', () => {
    const first = invite();
    const hash = loopHash(first, parseUri('sip:bob@example.com'), first.topVia);
    first.uri = parseUri('sip:bob@198.51.100.9');
    expect(loopHash(first, parseUri('sip:bob@example.com'), first.topVia)).toBe(hash);
  });

  it('hashes to 20 hex digits that change with any covered field', () => {
    const first = invite();
    const hash = loopHash(first, first.uri, first.topVia);
    expect(hash).toMatch(/^[0-9a-f]{20}$/u);
    expect(loopHash(invite(), first.uri, first.topVia)).toBe(hash);
    expect(loopHash(first, parseUri('sip:bob@192.0.2.99'), first.topVia)).not.toBe(hash);
    const other = invite([], 'sip:bob@example.com', 'SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKalice2');
    expect(loopHash(other, first.uri, other.topVia)).not.toBe(hash);
  });

  it('gives a stateless branch that is the same for retransmissions and differs per incoming branch (§16.11)', () => {
    const a = statelessBranch('0123456789abcdef0123', 'z9hG4bKack1');
    expect(statelessBranch('0123456789abcdef0123', 'z9hG4bKack1')).toBe(a);
    expect(statelessBranch('0123456789abcdef0123', 'z9hG4bKack2')).not.toBe(a);
    expect(a).toMatch(/^z9hG4bKsb0123456789abcdef0123\.[0-9a-f]{12}$/u);
    expect(hashOfBranch(a)).toBe('0123456789abcdef0123');
  });

  it('ignores received and rport stamped on the Via below ours', () => {
    const first = invite();
    const top = first.topVia as Via;
    const stamped: Via = { ...top, params: createParams([...top.params.entries(), ['received', '198.51.100.7'], ['rport', '5070']]) };
    expect(loopHash(first, first.uri, stamped)).toBe(loopHash(first, first.uri, top));
  });
});
