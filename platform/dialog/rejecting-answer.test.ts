import { describe, expect, it } from 'vitest';
import { rejectingAnswer } from './rejecting-answer.js';

const offer = ['v=0', 'o=a 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0 8', 'a=rtpmap:0 PCMU/8000', 'm=video 4002 RTP/AVP 96', ''].join('\r\n');

describe('rejectingAnswer (RFC 3264 §6)', () => {
  it('answers every offered stream in order with port 0 and the offered formats', () => {
    const answer = rejectingAnswer({ contentType: 'application/sdp', content: Buffer.from(offer) });
    expect(answer?.contentType).toBe('application/sdp');
    const text = String(answer?.content);
    expect(text.split('\r\n').filter((line) => line.startsWith('m='))).toEqual(['m=audio 0 RTP/AVP 0 8', 'm=video 0 RTP/AVP 96']);
    expect(text).toMatch(/^v=0\r\no=- \d+ 1 IN IP4 0\.0\.0\.0\r\ns=-\r\nc=IN IP4 0\.0\.0\.0\r\nt=0 0\r\n/u);
  });

  it('has no answer for a body that is not SDP or offers no stream', () => {
    expect(rejectingAnswer({ contentType: 'text/plain', content: offer })).toBeUndefined();
    expect(rejectingAnswer({ contentType: 'application/sdp; charset=utf-8', content: 'v=0\r\n' })).toBeUndefined();
  });
});
