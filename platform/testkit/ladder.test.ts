import { describe, expect, it } from 'vitest';
import { formatLadder, Ladder } from './ladder.js';

describe('formatLadder', () => {
  it('aligns arrows, shows requests with their URI and responses with their reason, marks local ones', () => {
    let now = 0;
    const ladder = new Ladder(() => now);
    ladder.record({ from: 'alice', to: 'app', method: 'INVITE', uri: 'sip:bob@sb.test', callId: 'c' });
    now = 32_000;
    ladder.record({ from: 'voicemail', to: 'app', method: 'INVITE', status: 408, reason: 'Request Timeout', callId: 'c', local: true });
    ladder.record({ from: 'app', to: 'bob', method: 'MESSAGE', uri: 'sip:bob@sb.test', callId: 'm' });
    ladder.record({ from: 'bob', to: 'app', method: 'MESSAGE', status: 200, reason: 'OK', callId: 'm' });
    expect(ladder.entries().map((entry) => entry.label)).toEqual(['INVITE alice→app', '408 voicemail→app (local)', 'MESSAGE app→bob', '200 bob→app']);
    expect(formatLadder(ladder.entries())).toBe(
      ['    0  alice → app      INVITE sip:bob@sb.test', '32000  voicemail → app  408 Request Timeout [local]', '32000  app → bob        MESSAGE sip:bob@sb.test', '32000  bob → app        200 OK (MESSAGE)'].join('\n'),
    );
    expect(formatLadder(ladder.entries({ callId: 'm' }), { times: false })).toBe('app → bob  MESSAGE sip:bob@sb.test\nbob → app  200 OK (MESSAGE)');
  });
});
