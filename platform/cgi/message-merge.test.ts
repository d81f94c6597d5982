import { describe, expect, it } from 'vitest';
import type { MessageChanges } from './cgi-actions.js';
import { mergeChanges } from './message-merge.js';
import { request } from './test-support.js';

const names = (fields: readonly { name: string }[]) => fields.map((f) => f.name);
const changes = (partial: Partial<MessageChanges>): MessageChanges => ({ headers: [], remove: [], body: { kind: 'keep' }, ...partial });

describe('merging script header fields into a message (RFC 3050 §5.6.1.2)', () => {
  const original = () => request('Route: <sip:p1.example.com;lr>\nSubject: one\nroute: <sip:p2.example.com;lr>\n', 'v=0\r\n');

  it('a header the script gives replaces all instances, in place of the first', () => {
    const { message } = mergeChanges(original(), changes({ headers: [{ name: 'Route', value: '<sip:p9.example.com;lr>' }] }));
    expect(message.getHeaders('Route')).toEqual(['<sip:p9.example.com;lr>']);
    expect(names(message.headerFields)).toEqual(['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Route', 'Subject', 'Content-Type', 'Content-Length']);
  });

  it('several lines of one name all replace the originals, in script order', () => {
    const { message } = mergeChanges(original(), changes({ headers: [{ name: 'Route', value: '<sip:a;lr>' }, { name: 'Subject', value: 'two' }, { name: 'Route', value: '<sip:b;lr>' }] }));
    expect(message.getHeaders('Route')).toEqual(['<sip:a;lr>', '<sip:b;lr>']);
    expect(message.getHeader('Subject')).toBe('two');
  });

  it('new headers go after the Via fields, before all others', () => {
    const { message } = mergeChanges(original(), changes({ headers: [{ name: 'X-A', value: '1' }, { name: 'X-B', value: '2' }] }));
    expect(names(message.headerFields).slice(0, 3)).toEqual(['Via', 'X-A', 'X-B']);
  });

  it('removes named headers; protected ones are neither given nor removed', () => {
    const { message, ignored } = mergeChanges(original(), changes({ headers: [{ name: 'v', value: 'SIP/2.0/UDP evil' }], remove: ['route', 'via'] }), { protect: new Set(['via']) });
    expect(message.hasHeader('Route')).toBe(false);
    expect(message.getHeaders('Via')).toEqual(original().getHeaders('Via'));
    expect(ignored).toEqual(['v', 'via']);
  });

  it('body: kept by default, replaced with its Content-Type, or deleted with the Content-* headers', () => {
    expect(mergeChanges(original(), changes({})).message.body.toString()).toBe('v=0\r\n');
    const replaced = mergeChanges(original(), changes({ body: { kind: 'replace', contentType: 'text/plain', body: Buffer.from('hi') } })).message;
    expect(replaced.body.toString()).toBe('hi');
    expect(replaced.getHeader('Content-Type')).toBe('text/plain');
    expect(names(replaced.headerFields).at(-2)).toBe('Content-Type');
    const deleted = mergeChanges(original(), changes({ body: { kind: 'delete' } })).message;
    expect(deleted.body.length).toBe(0);
    expect(deleted.hasHeader('Content-Type')).toBe(false);
    expect(deleted.toString()).toContain('Content-Length: 0\r\n');
  });
});
