/**
 * The header section string the host sends (protocol.ts WireHeaderSection) and the lazily
 * parsed header list the guest builds from it.
 */
import { describe, expect, it } from 'vitest';
import { HeaderList, parseHeaderSection } from './headers.js';

describe('parseHeaderSection', () => {
  it('splits CRLF lines into [name, value] pairs in order, one per field, lists kept whole', () => {
    const text = ['Via: SIP/2.0/UDP a;branch=z9hG4bK1', 'via: SIP/2.0/UDP b;branch=z9hG4bK2', 'f: <sip:alice@a.test>;tag=1', 'Allow: INVITE, ACK,BYE', 'Subject:   hi  ', 'X-Empty:'].join('\r\n');
    expect(parseHeaderSection(text)).toEqual([
      ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
      ['via', 'SIP/2.0/UDP b;branch=z9hG4bK2'],
      ['f', '<sip:alice@a.test>;tag=1'],
      ['Allow', 'INVITE, ACK,BYE'],
      ['Subject', 'hi'],
      ['X-Empty', ''],
    ]);
  });

  it('joins folded continuation lines with one space (RFC 3261 §7.3.1), accepts bare LF and values with colons', () => {
    const text = 'Subject: I know you\r\n   are there,\r\n\tpick up!\nContact: <sip:bob@b.test:5060>\r\nTo: <sip:bob@b.test>';
    expect(parseHeaderSection(text)).toEqual([
      ['Subject', 'I know you are there, pick up!'],
      ['Contact', '<sip:bob@b.test:5060>'],
      ['To', '<sip:bob@b.test>'],
    ]);
  });

  it('gives no fields for an empty section and skips lines without a name', () => {
    expect(parseHeaderSection('')).toEqual([]);
    expect(parseHeaderSection(': x\r\n\r\nX-A: 1')).toEqual([['X-A', '1']]);
  });
});

describe('HeaderList over a header section', () => {
  const section = ['Call-ID: c1', 'Subject: one', 'X-Tag: a', 'x-tag: b', 'Content-Type: text/plain'].join('\r\n');

  it('reads case-insensitively with every value of a repeated name, as over pairs', () => {
    const fromText = new HeaderList(section, false);
    const fromPairs = new HeaderList(parseHeaderSection(section), false);
    for (const list of [fromText, fromPairs]) {
      expect(list.get('call-id')).toBe('c1');
      expect(list.getAll('X-TAG')).toEqual(['a', 'b']);
      expect(list.has('subject')).toBe(true);
      expect(list.has('Route')).toBe(false);
    }
    expect(fromText.entries()).toEqual(fromPairs.entries());
  });

  it('edits a lazily parsed list and reports the changed fields', () => {
    const list = new HeaderList(section, true);
    list.set('X-Tag', 'c');
    list.delete('Subject');
    list.append('X-New', '1');
    expect(list.entries()).toEqual([
      ['Call-ID', 'c1'],
      ['X-Tag', 'c'],
      ['Content-Type', 'text/plain'],
      ['X-New', '1'],
    ]);
    expect(list.changedFields()).toEqual([
      ['X-Tag', 'c'],
      ['X-New', '1'],
    ]);
    expect([...list.removed]).toEqual(['subject']);
    expect(() => list.set('Call-ID', 'x')).toThrow(/system header/);
  });

  it('has no changed fields when nothing was written, without parsing', () => {
    expect(new HeaderList('not a header section', true).changedFields()).toEqual([]);
  });
});
