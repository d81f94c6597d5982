/**
 * A pre-scan of YAML/JSON profile text before the yaml library sees it: the library composes
 * nested collections recursively, and a document of 100 000 `[` (or `- - - …`) exhausts the
 * stack or the heap — measured: a 200 KB document aborted the process. A profile nests about
 * eight levels, so anything deeper than the limit is refused here, with its position.
 * Counted: flow brackets `[ {` outside quoted scalars and comments, and for block structure the
 * indentation plus the `- ` entries that open on the same line.
 */
import { problem, type ProfileProblem } from './profile-problem.js';

/** Columns of indentation (plus same-line `- ` entries) accepted for one line. */
const MAX_BLOCK_INDENT = 256;

export function scanYamlNesting(text: string, maxDepth: number): ProfileProblem | undefined {
  let line = 1;
  let lineStart = 0;
  let flowDepth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      const lead = /^[ \t]*(?:-[ \t]+)*/.exec(text.slice(lineStart, lineStart + MAX_BLOCK_INDENT + 2))![0].length;
      if (lead > MAX_BLOCK_INDENT) return problem(line, 1, `indented or nested more than ${MAX_BLOCK_INDENT} columns`);
      continue;
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === "'" && quote === "'" && text[i + 1] === "'") i++; // '' inside '…'
      else if (c === quote) quote = '';
      continue;
    }
    // A quote opens a quoted scalar only where a scalar starts; `o'brien` is a plain scalar.
    if ((c === '"' || c === "'") && (i === lineStart || /[\s[{,:]/.test(text[i - 1]!))) {
      quote = c;
    } else if (c === '#' && (i === lineStart || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
    } else if (c === '[' || c === '{') {
      if (++flowDepth > maxDepth) return problem(line, i - lineStart + 1, `collections nested deeper than ${maxDepth} levels`);
    } else if (c === ']' || c === '}') {
      flowDepth--;
    }
  }
  const firstLead = /^[ \t]*(?:-[ \t]+)*/.exec(text.slice(0, MAX_BLOCK_INDENT + 2))![0].length;
  if (firstLead > MAX_BLOCK_INDENT) return problem(1, 1, `indented or nested more than ${MAX_BLOCK_INDENT} columns`);
  return undefined;
}
