/**
 * Subaction rules (RFC 3880 §8): ids unique and case-sensitive; "References to subactions MUST
 * refer to subactions defined before the current action. A 'sub' tag MUST NOT refer to the
 * action it appears in, or to any action defined later"; checked at upload. A subaction's id is
 * registered only AFTER its own body is checked, so `<subaction id="a">...<sub ref="a"/>` is
 * caught (Kamailio registers first and then loops forever at run time, cpl.md §15.4a).
 */
import { attributeValue, type RawElement } from '../parse/raw-tree.js';
import { isCplElement } from './check-structure.js';
import type { Report } from './report.js';

export function checkSubactions(root: RawElement, report: Report): void {
  const all = new Map<string, RawElement>();
  for (const c of root.children) {
    if (isCplElement(c) && c.localName === 'subaction') {
      const id = attributeValue(c, 'id');
      if (id !== undefined && !all.has(id)) all.set(id, c);
    }
  }
  const defined = new Set<string>();
  const used = new Set<string>();
  for (const c of root.children) {
    if (!isCplElement(c)) continue;
    if (c.localName === 'subaction') {
      const id = attributeValue(c, 'id');
      if (id === undefined) continue; // missing-attribute already reported
      if (defined.has(id)) {
        report.error('subaction-duplicate-id', c, `another subaction already has id="${id}" (line ${all.get(id)?.line ?? 0}); subaction ids must be unique`);
      }
      checkRefs(c, id, all, defined, used, report);
      defined.add(id);
    } else if (c.localName === 'incoming' || c.localName === 'outgoing') {
      checkRefs(c, null, all, defined, used, report);
    }
  }
  for (const [id, el] of all) {
    if (!used.has(id)) report.warn('subaction-unused', el, `the subaction "${id}" is never used by a <sub>`);
  }
}

function checkRefs(
  body: RawElement,
  ownId: string | null,
  all: ReadonlyMap<string, RawElement>,
  defined: ReadonlySet<string>,
  used: Set<string>,
  report: Report,
): void {
  const visit = (el: RawElement): void => {
    if (isCplElement(el) && el.localName === 'sub') {
      const ref = attributeValue(el, 'ref');
      if (ref === undefined) return;
      used.add(ref);
      const label = `<sub ref="${ref}">`;
      if (defined.has(ref)) return;
      if (ref === ownId) {
        report.error('sub-self-reference', el, `${label} is inside the subaction "${ref}" itself; a subaction cannot call itself (RFC 3880 §8)`);
      } else if (all.has(ref)) {
        report.error('sub-forward-reference', el, `${label} refers to a subaction defined later (line ${all.get(ref)?.line ?? 0}); a <sub> may only use subactions defined before it (RFC 3880 §8)`);
      } else {
        const near = [...all.keys()].find((k) => k.toLowerCase() === ref.toLowerCase());
        report.error('sub-undefined', el, `${label} refers to a subaction that is not defined${near !== undefined ? ` (there is "${near}"; ids are case-sensitive)` : ''}`);
      }
      return;
    }
    for (const c of el.children) visit(c);
  };
  visit(body);
}
