import { describe, expect, it } from 'vitest';
import { foldCase } from './fold-case.js';
import { parseLanguageRanges, rangeMatchesTag } from './language-range.js';
import { reasonPhrase, sanitizeReason } from './sip-reason.js';

describe('caseless matching (RFC 3880 §4.2)', () => {
  it('NFKC plus case folding', () => {
    expect(foldCase('STRASSE')).toBe(foldCase('straße'));
    expect(foldCase('ＡＢＣ')).toBe(foldCase('abc')); // full-width compatibility forms
    expect(foldCase('ﬁle')).toBe(foldCase('FILE')); // ligature
    expect(foldCase('Ωmega')).toBe(foldCase('ωMEGA'));
  });
});

describe('language ranges (RFC 3880 §4.3)', () => {
  it('parses Accept-Language, dropping * and q=0', () => {
    expect(parseLanguageRanges(['en-gb;q=0.8, es, en;q=0.7', 'fr;q=0, *;q=0.1', ''])).toEqual(['en-gb', 'es', 'en']);
  });

  it('a range matches the tag itself or a tag it is a prefix of, at a hyphen', () => {
    expect(rangeMatchesTag('es', 'es')).toBe(true);
    expect(rangeMatchesTag('es', 'es-mx')).toBe(true);
    expect(rangeMatchesTag('es-mx', 'es')).toBe(false);
    expect(rangeMatchesTag('e', 'es')).toBe(false);
    expect(rangeMatchesTag('es-mx', 'es', 'lenient')).toBe(true);
  });
});

describe('reason phrases', () => {
  it('removes CR/LF and control characters (header injection)', () => {
    expect(sanitizeReason('Busy\r\nContact: <sip:x@evil>')).toBe('Busy Contact: <sip:x@evil>');
    expect(sanitizeReason('x'.repeat(500))).toHaveLength(128);
  });

  it('knows the statuses CPL produces', () => {
    expect([reasonPhrase(486), reasonPhrase(603), reasonPhrase(302), reasonPhrase(499)]).toEqual(['Busy Here', 'Decline', 'Moved Temporarily', 'Request Failure']);
  });
});
