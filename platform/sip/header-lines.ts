/**
 * Splitting the header section into fields (RFC 3261 §7.3): one field per line, continuation
 * lines unfolded (§7.3.1), names as written with their lookup key. A line already in serialized
 * form (`Name: value` CRLF) records its octet range so that serialization can copy it.
 */
import { isChar, isWsp, TOKEN } from './chars.js';
import { Field } from './header-field.js';
import { headerKeyAt, KNOWN_NAMES, lookupHeaderName } from './header-names.js';
import { safeText, sipError } from './parse-errors.js';
import type { SipParseError } from './types.js';

/**
 * Split header lines into fields, unfolding continuation lines (a line starting with SP/HTAB):
 * trailing WSP, the line break and the leading WSP become one SP (§7.3.1).
 */
export function splitFields(s: string, pos: number, end: number, errors: SipParseError[], base = -1, crlfAfter = false): Field[] {
  const fields: Field[] = [];
  while (pos < end) {
    let lineEnd = s.indexOf('\n', pos);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    let contentEnd = lineEnd > pos && s.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
    let next = lineEnd + 1;
    if (contentEnd === pos) {
      pos = next;
      continue;
    }
    const colon = s.indexOf(':', pos);
    if (colon < 0 || colon >= contentEnd) {
      errors.push(sipError('bad-header-line', `Malformed header line: ${safeText(s.slice(pos, contentEnd), 40)}`));
      pos = skipContinuation(s, next, end);
      continue;
    }
    let nameEnd = colon;
    while (nameEnd > pos && isWsp(s.charCodeAt(nameEnd - 1))) nameEnd--;
    const id = lookupHeaderName(s, pos, nameEnd);
    let key: string;
    let name: string | undefined;
    if (id >= 0) {
      // Spelled as usual: share the interned name instead of slicing it.
      key = KNOWN_NAMES[id]!.key;
      name = KNOWN_NAMES[id]!.written;
    } else if (id < -1) {
      key = KNOWN_NAMES[-2 - id]!.key;
    } else {
      // Known names are tokens by construction; check the others (§7.3.1 field-name = token).
      let valid = nameEnd > pos;
      for (let i = pos; valid && i < nameEnd; i++) if (!isChar(s.charCodeAt(i), TOKEN)) valid = false;
      if (!valid) {
        errors.push(sipError('bad-header-line', `Bad header name: ${safeText(s.slice(pos, nameEnd), 40)}`));
        pos = skipContinuation(s, next, end);
        continue;
      }
      key = headerKeyAt(s, pos, nameEnd);
    }
    name ??= s.slice(pos, nameEnd);
    let valueStart = colon + 1;
    while (valueStart < contentEnd && isWsp(s.charCodeAt(valueStart))) valueStart++;
    let value: string;
    if (next < end && isWsp(s.charCodeAt(next))) {
      // Folded (§7.3.1): trailing WSP, line break and leading WSP become one SP.
      let vEnd = contentEnd;
      while (vEnd > valueStart && isWsp(s.charCodeAt(vEnd - 1))) vEnd--;
      value = s.slice(valueStart, vEnd);
      while (next < end && isWsp(s.charCodeAt(next))) {
        let contStart = next;
        let contLineEnd = s.indexOf('\n', next);
        if (contLineEnd < 0 || contLineEnd > end) contLineEnd = end;
        let contEnd = contLineEnd > contStart && s.charCodeAt(contLineEnd - 1) === 13 ? contLineEnd - 1 : contLineEnd;
        while (contStart < contEnd && isWsp(s.charCodeAt(contStart))) contStart++;
        while (contEnd > contStart && isWsp(s.charCodeAt(contEnd - 1))) contEnd--;
        if (contEnd > contStart) value = value.length > 0 ? `${value} ${s.slice(contStart, contEnd)}` : s.slice(contStart, contEnd);
        next = contLineEnd + 1;
      }
    } else {
      const lineContentEnd = contentEnd;
      while (contentEnd > valueStart && isWsp(s.charCodeAt(contentEnd - 1))) contentEnd--;
      value = s.slice(valueStart, contentEnd);
      // Already in serialized form (`Name: value` CRLF)? Then serialization copies its octets.
      if (
        base >= 0 &&
        nameEnd === colon &&
        valueStart === colon + 2 &&
        s.charCodeAt(colon + 1) === 32 &&
        contentEnd === lineContentEnd &&
        contentEnd > valueStart &&
        (lineEnd < end ? contentEnd === lineEnd - 1 : crlfAfter && contentEnd === end)
      ) {
        fields.push(new Field(name, value, key, base + pos, base + (lineEnd < end ? lineEnd + 1 : end + 2)));
        pos = next;
        continue;
      }
    }
    fields.push(new Field(name, value, key));
    pos = next;
  }
  return fields;
}

/** Index of the next line that is not a continuation line, from `pos`. */
function skipContinuation(s: string, pos: number, end: number): number {
  while (pos < end && isWsp(s.charCodeAt(pos))) {
    const e = s.indexOf('\n', pos);
    pos = e < 0 || e > end ? end : e + 1;
  }
  return pos;
}

