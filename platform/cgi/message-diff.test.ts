import { describe, expect, it } from 'vitest';
import { applyMessageEdits } from '../services/index.js';
import { mergeChanges } from './message-merge.js';
import { messageEdits } from './message-diff.js';
import { request } from './test-support.js';

describe('messageEdits: the merged message back as core edits', () => {
  const original = request('Subject: one\nSubject: two\nX-Keep: k\n', 'v=0\r\n');

  it('round-trips replacement, insertion, removal and body deletion through applyMessageEdits', () => {
    const { message } = mergeChanges(original, {
      headers: [{ name: 'Subject', value: 'three' }, { name: 'X-New', value: 'n' }],
      remove: ['contact'],
      body: { kind: 'delete' },
    });
    const edits = messageEdits(original, message, 10);
    expect(edits.headers).toHaveLength(2);
    expect(edits.headers).toEqual(expect.arrayContaining([{ name: 'X-New', value: 'n' }, { name: 'Subject', value: 'three' }]));
    expect(edits.remove).toEqual(expect.arrayContaining(['contact']));
    expect(edits.body).toBeNull();
    expect(edits.maxForwards).toBe(10);
    const applied = applyMessageEdits(original, edits);
    expect(applied.getHeaders('Subject')).toEqual(['three']);
    expect(applied.getHeader('X-New')).toBe('n');
    expect(applied.getHeader('X-Keep')).toBe('k');
    expect(applied.hasHeader('Contact')).toBe(false);
    expect(applied.body.length).toBe(0);
    expect(applied.hasHeader('Content-Type')).toBe(false);
  });

  it('gives no edits for an unchanged message and a replaced body with its type', () => {
    expect(messageEdits(original, original.clone())).toEqual({});
    const { message } = mergeChanges(original, { headers: [], remove: [], body: { kind: 'replace', contentType: 'text/plain', body: Buffer.from('hi') } });
    expect(messageEdits(original, message)).toEqual({ body: { contentType: 'text/plain', content: Buffer.from('hi') } });
  });
});
