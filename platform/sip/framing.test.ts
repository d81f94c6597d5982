import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMessage, StreamFramer, type FrameEvent } from './index.js';

const TORTURE = fileURLToPath(new URL('../../../shared/conformance/sip-torture/', import.meta.url));

function message(body = '', extra = ''): Buffer {
  return Buffer.from(
    'OPTIONS sip:bob@example.com SIP/2.0\r\n' +
      'Via: SIP/2.0/TCP client.example.com;branch=z9hG4bK1\r\n' +
      'Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=1\r\n' +
      `Call-ID: c1@example.com\r\nCSeq: 1 OPTIONS\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function messages(events: FrameEvent[]): Buffer[] {
  return events.flatMap((e) => (e.type === 'message' ? [e.data] : []));
}

describe('StreamFramer (RFC 3261 §18.3)', () => {
  it('returns a whole message from one chunk', () => {
    const data = message('hello');
    const events = new StreamFramer().push(data);
    expect(events).toEqual([{ type: 'message', data }]);
  });

  it('assembles a message fed one octet at a time', () => {
    const data = message('v=0\r\n\r\nstill body\r\n');
    const framer = new StreamFramer();
    const events: FrameEvent[] = [];
    for (let i = 0; i < data.length; i++) events.push(...framer.push(data.subarray(i, i + 1)));
    expect(messages(events)).toEqual([data]);
    expect(framer.bufferedLength).toBe(0);
  });

  it('splits two messages in one chunk, and a message split across chunks', () => {
    const a = message('first');
    const b = message('second body');
    const c = message();
    const joined = Buffer.concat([a, b, c]);
    const framer = new StreamFramer();
    const cut = a.length + b.length + 10;
    const first = framer.push(joined.subarray(0, cut));
    expect(messages(first)).toEqual([a, b]);
    expect(framer.bufferedLength).toBe(10);
    expect(messages(framer.push(joined.subarray(cut)))).toEqual([c]);
  });

  it('frames by Content-Length even when the body holds an empty line or NULs (RFC 4475 §3.1.1.11)', () => {
    const datagram = readFileSync(`${TORTURE}mpart01.dat`);
    const framer = new StreamFramer();
    const events = [...framer.push(datagram.subarray(0, 700)), ...framer.push(datagram.subarray(700))];
    const [frame] = messages(events);
    expect(frame!.equals(datagram)).toBe(true);
    expect(parseMessage(frame!).message?.body.length).toBe(553);
  });

  it('reads a compact or folded Content-Length', () => {
    const compact = Buffer.from(message('abc').toString().replace('Content-Length: 3', 'l:3'));
    expect(messages(new StreamFramer().push(compact))).toEqual([compact]);
    const folded = Buffer.from(message('abc').toString().replace('Content-Length: 3', 'Content-Length:\r\n 3'));
    expect(messages(new StreamFramer().push(folded))).toEqual([folded]);
  });

  it('waits for the body when Content-Length exceeds what has arrived (RFC 4475 §3.1.2.2)', () => {
    const clerr = readFileSync(`${TORTURE}clerr.dat`);
    const framer = new StreamFramer();
    expect(framer.push(clerr)).toEqual([]);
    expect(framer.bufferedLength).toBe(clerr.length);
    expect(framer.failed).toBe(false);
  });

  describe('keep-alives (RFC 5626 §3.5.1)', () => {
    it('reports a double-CRLF ping (answer with a pong) and a single-CRLF pong', () => {
      const framer = new StreamFramer();
      expect(framer.push(Buffer.from('\r\n\r\n'))).toEqual([{ type: 'keepalive', pong: true }]);
      expect(framer.push(Buffer.from('\r\n'))).toEqual([{ type: 'keepalive', pong: false }]);
    });

    it('reports keep-alives between messages and frames the messages around them', () => {
      const a = message();
      const events = new StreamFramer().push(Buffer.concat([Buffer.from('\r\n\r\n'), a, Buffer.from('\r\n'), a]));
      expect(events.map((e) => e.type)).toEqual(['keepalive', 'message', 'keepalive', 'message']);
      expect(events[0]).toEqual({ type: 'keepalive', pong: true });
      expect(events[2]).toEqual({ type: 'keepalive', pong: false });
    });

    it('recognises a ping split across two reads', () => {
      const framer = new StreamFramer();
      expect(framer.push(Buffer.from('\r\n'))).toEqual([{ type: 'keepalive', pong: false }]);
      expect(framer.push(Buffer.from('\r\n'))).toEqual([{ type: 'keepalive', pong: true }]);
      // Three octets that may start a ping wait for the fourth.
      expect(framer.push(Buffer.from('\r\n\r'))).toEqual([]);
      expect(framer.push(Buffer.from('\n'))).toEqual([{ type: 'keepalive', pong: true }]);
    });
  });

  describe('framing errors close the connection', () => {
    function failure(data: Buffer, options?: { maxMessageSize?: number }): { events: FrameEvent[]; framer: StreamFramer } {
      const framer = new StreamFramer(options);
      return { events: framer.push(data), framer };
    }

    it('a missing Content-Length', () => {
      const data = Buffer.from(message().toString().replace('Content-Length: 0\r\n', ''));
      const { events, framer } = failure(data);
      expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'missing-content-length', status: 400 }) }]);
      expect(framer.failed).toBe(true);
      // The framer stays failed: later data is not read.
      expect(framer.push(message())).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'missing-content-length' }) }]);
    });

    it('a negative or non-numeric Content-Length (RFC 4475 §3.1.2.3)', () => {
      const negative = failure(readFileSync(`${TORTURE}ncl.dat`)).events[0];
      expect(negative).toEqual({ type: 'error', error: expect.objectContaining({ code: 'bad-content-length', reason: 'Negative Content-Length' }) });
      const five = failure(Buffer.from(message().toString().replace('Content-Length: 0', 'Content-Length: five'))).events[0];
      expect(five).toEqual({ type: 'error', error: expect.objectContaining({ code: 'bad-content-length', reason: 'Bad Content-Length' }) });
    });

    it('conflicting Content-Length values (RFC 4475 §3.3.9), while equal duplicates frame', () => {
      const mcl = failure(readFileSync(`${TORTURE}mcl01.dat`)).events[0];
      expect(mcl).toEqual({ type: 'error', error: expect.objectContaining({ reason: 'Multiple conflicting Content-Length values' }) });
      const equal = message('abc', 'Content-Length: 3\r\n');
      expect(messages(new StreamFramer().push(equal))).toEqual([equal]);
    });

    it('a message over the size limit, by header section or by declared body', () => {
      const huge = failure(Buffer.concat([message().subarray(0, 50), Buffer.alloc(2000, 0x61)]), { maxMessageSize: 1000 });
      expect(huge.events).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'message-too-large', status: 513 }) }]);
      const declared = failure(Buffer.from(message().toString().replace('Content-Length: 0', 'Content-Length: 5000')), { maxMessageSize: 1000 });
      expect(declared.events).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'message-too-large' }) }]);
    });

    it('returns the messages framed before the error', () => {
      const good = message();
      const bad = Buffer.from(message().toString().replace('Content-Length: 0', 'Content-Length: -1'));
      const events = new StreamFramer().push(Buffer.concat([good, bad]));
      expect(events.map((e) => e.type)).toEqual(['message', 'error']);
    });
  });
});
