/**
 * A pre-scan of profile XML before libxml2 sees it: refuses any DOCTYPE (so no DTD, no entity
 * declarations, no external entities can be involved — the billion-laughs and XXE attacks need
 * one), enforces size, depth and element-count limits, and records where each start tag is, in
 * document order, so errors found later can name a line and column.
 * It is not an XML parser: well-formedness is libxml2's job; the scan only skips comments, CDATA,
 * processing instructions and quoted attribute values correctly.
 */
import { problem, type ProfileLimits, type ProfileProblem } from './profile-problem.js';

export interface ScannedTag {
  name: string;
  line: number;
  column: number;
}

export type ScanResult = { ok: true; tags: ScannedTag[] } | { ok: false; problem: ProfileProblem };

export function scanXmlSource(text: string, limits: ProfileLimits): ScanResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    return fail(0, 0, `the document is ${bytes} bytes; at most ${limits.maxBytes} are accepted`);
  }
  const lines = new LineStarts(text);
  const tags: ScannedTag[] = [];
  let depth = 0;
  let i = 0;
  while ((i = text.indexOf('<', i)) >= 0) {
    const at = i;
    if (text.startsWith('<!--', i)) {
      i = skipPast(text, i + 4, '-->');
    } else if (text.startsWith('<![CDATA[', i)) {
      i = skipPast(text, i + 9, ']]>');
    } else if (text.startsWith('<?', i)) {
      i = skipPast(text, i + 2, '?>');
    } else if (text.startsWith('<!', i)) {
      const { line, column } = lines.position(at);
      const what = /^<!DOCTYPE/i.test(text.slice(i, i + 9)) ? 'a DOCTYPE declaration' : `'${text.slice(i, i + 9)}…'`;
      return fail(line, column, `${what} is not accepted: profiles may not use DTDs or entities`);
    } else if (text.startsWith('</', i)) {
      depth--;
      i = skipTag(text, i + 2);
    } else {
      const name = /^<([^\s/>]+)/.exec(text.slice(i, i + 256))?.[1] ?? '';
      const end = skipTag(text, i + 1);
      const selfClosing = text[end - 2] === '/';
      const { line, column } = lines.position(at);
      tags.push({ name, line, column });
      if (tags.length > limits.maxElements) return fail(line, column, `more than ${limits.maxElements} elements`);
      if (!selfClosing && ++depth > limits.maxDepth) return fail(line, column, `elements nested deeper than ${limits.maxDepth} levels`);
      i = end;
    }
    if (i < 0) break; // unterminated construct: libxml2 reports it with a position
  }
  return { ok: true, tags };
}

function fail(line: number, column: number, message: string): ScanResult {
  return { ok: false, problem: problem(line, column, message) };
}

/** Index just past `terminator`, or -1. */
function skipPast(text: string, from: number, terminator: string): number {
  const end = text.indexOf(terminator, from);
  return end < 0 ? -1 : end + terminator.length;
}

/** Index just past the `>` closing a tag, skipping quoted attribute values; -1 if none. */
function skipTag(text: string, from: number): number {
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return i + 1;
    }
  }
  return -1;
}

/** Offsets → 1-based line and column (lines end at `\n`, as libxml2 counts them). */
export class LineStarts {
  readonly #starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.#starts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }
}
