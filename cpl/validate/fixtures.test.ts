/**
 * Invalid and hostile scripts (cpl/fixtures/invalid, cpl/fixtures/hostile) are rejected with the
 * right rule and line, or accepted with the right warning. One table; a fixture without an
 * entry fails the suite.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CplRule } from '../diagnostics/rules.js';
import { validateCpl } from './validate-cpl.js';

type Expectation = { readonly error: CplRule; readonly line: number } | { readonly warning: CplRule; readonly line: number };

const INVALID: Record<string, Expectation> = {
  'address-contains-host.cpl': { error: 'address-operator-subfield', line: 5 },
  'address-no-operator.cpl': { error: 'address-operator-count', line: 5 },
  'address-port-not-number.cpl': { error: 'address-value-invalid', line: 5 },
  'address-subdomain-of-user.cpl': { error: 'address-operator-subfield', line: 5 },
  'address-two-operators.cpl': { error: 'address-operator-count', line: 5 },
  'address-unknown-field.cpl': { error: 'address-unknown-field', line: 4 },
  'address-unknown-subfield.cpl': { error: 'address-unknown-subfield', line: 4 },
  'ancillary-not-empty.cpl': { error: 'element-misplaced', line: 4 },
  'duplicate-not-present.cpl': { error: 'duplicate-not-present', line: 8 },
  'language-bad-tag.cpl': { error: 'language-tag-invalid', line: 5 },
  'location-clear-bad-value.cpl': { error: 'attribute-value', line: 4 },
  'location-http-scheme.cpl': { error: 'location-url-scheme', line: 4 },
  'location-not-a-uri.cpl': { error: 'location-url-invalid', line: 4 },
  'location-priority-range.cpl': { error: 'location-priority-range', line: 4 },
  'lookup-source-unknown-word.cpl': { error: 'lookup-source-not-allowed', line: 4 },
  'lookup-source-url.cpl': { error: 'lookup-source-not-allowed', line: 4 },
  'mail-not-mailto.cpl': { error: 'mail-url-invalid', line: 4 },
  'missing-attribute.cpl': { error: 'missing-attribute', line: 4 },
  'not-well-formed.cpl': { error: 'xml-not-well-formed', line: 6 },
  'otherwise-not-last.cpl': { error: 'otherwise-not-last', line: 5 },
  'output-misplaced.cpl': { error: 'element-misplaced', line: 5 },
  'priority-bad-value.cpl': { error: 'priority-value', line: 5 },
  'priority-two-operators.cpl': { error: 'priority-operator-count', line: 5 },
  'proxy-duplicate-output.cpl': { error: 'duplicate-output', line: 6 },
  'proxy-timeout-zero.cpl': { error: 'attribute-value', line: 5 },
  'redirect-with-child.cpl': { error: 'element-misplaced', line: 5 },
  'reject-status-200.cpl': { error: 'reject-status-invalid', line: 4 },
  'reject-status-word.cpl': { error: 'reject-status-invalid', line: 4 },
  'string-two-operators.cpl': { error: 'string-operator-count', line: 5 },
  'string-unknown-field.cpl': { error: 'attribute-value', line: 4 },
  'sub-forward-reference.cpl': { error: 'sub-forward-reference', line: 4 },
  'sub-ref-case-mismatch.cpl': { error: 'sub-undefined', line: 7 },
  'sub-undefined.cpl': { error: 'sub-undefined', line: 9 },
  'subaction-after-incoming.cpl': { error: 'element-order', line: 6 },
  'subaction-duplicate-id.cpl': { error: 'subaction-duplicate-id', line: 6 },
  'text-in-node.cpl': { error: 'text-not-allowed', line: 6 },
  'time-bad-datetime.cpl': { error: 'time-datetime-invalid', line: 5 },
  'time-bymonthday-range.cpl': { error: 'time-list-invalid', line: 6 },
  'time-bysetpos-alone.cpl': { error: 'time-bysetpos-alone', line: 6 },
  'time-byweekno-monthly.cpl': { error: 'time-byweekno-not-yearly', line: 6 },
  'time-dtend-and-duration.cpl': { error: 'time-dtend-duration', line: 6 },
  'time-duration-10m.cpl': { error: 'time-duration-invalid', line: 5 },
  'time-no-end.cpl': { error: 'time-dtend-duration', line: 5 },
  'time-overlap.cpl': { error: 'time-overlap', line: 5 },
  'time-unknown-tzid.cpl': { error: 'time-tzid-unknown', line: 4 },
  'time-until-and-count.cpl': { error: 'time-until-count', line: 6 },
  'time-zero-duration.cpl': { error: 'time-duration-nonpositive', line: 5 },
  'toplevel-duplicate.cpl': { error: 'toplevel-duplicate', line: 6 },
  'two-nodes-in-output.cpl': { error: 'too-many-children', line: 6 },
  'unknown-element.cpl': { error: 'unknown-element', line: 4 },
  'unqualified-extension-attribute.cpl': { error: 'unknown-attribute', line: 5 },
  'wrong-namespace-root.cpl': { error: 'cpl-root', line: 2 },
  'wrong-root.cpl': { error: 'cpl-root', line: 2 },
  'xsi-type-attribute.cpl': { error: 'unknown-attribute', line: 4 },
};

const HOSTILE: Record<string, Expectation> = {
  'bare-doctype-ignored.cpl': { warning: 'no-toplevel', line: -1 },
  'billion-laughs.cpl': { error: 'xml-entity-declaration', line: 3 },
  'external-dtd-entity-reference.cpl': { error: 'xml-entity-reference', line: 5 },
  'internal-subset-attlist.cpl': { error: 'xml-internal-subset', line: 2 },
  'log-name-path-traversal.cpl': { warning: 'log-name-suspicious', line: 4 },
  'mail-header-injection.cpl': { warning: 'mail-headers-ignored', line: 4 },
  'quadratic-blowup.cpl': { error: 'xml-entity-declaration', line: 2 },
  'reject-reason-header-injection.cpl': { warning: 'reject-reason-sanitized', line: 5 },
  'sub-mutual-recursion.cpl': { error: 'sub-forward-reference', line: 4 },
  'sub-nested-self-recursion.cpl': { error: 'sub-self-reference', line: 7 },
  'sub-self-recursion.cpl': { error: 'sub-self-reference', line: 4 },
  'time-absurd-density.cpl': { error: 'time-rule-too-dense', line: 5 },
  'time-count-absurd.cpl': { error: 'time-count-limit', line: 6 },
  'tzurl-only.cpl': { error: 'time-tzurl-unresolvable', line: 4 },
  'xinclude.cpl': { error: 'unknown-namespace', line: 3 },
  'xxe-file-passwd.cpl': { error: 'xml-entity-declaration', line: 3 },
  'xxe-parameter-entity.cpl': { error: 'xml-entity-declaration', line: 3 },
};

for (const [dir, table] of [
  ['invalid', INVALID],
  ['hostile', HOSTILE],
] as const) {
  describe(`fixtures/${dir}`, () => {
    const base = new URL(`../fixtures/${dir}/`, import.meta.url);
    it('every fixture file has an expectation (and every expectation a file)', () => {
      expect(readdirSync(base).sort()).toEqual(Object.keys(table).sort());
    });
    for (const [file, exp] of Object.entries(table)) {
      it(`${file}: ${'error' in exp ? `rejected with ${exp.error}` : exp.line < 0 ? 'accepted' : `accepted with warning ${exp.warning}`}${exp.line > 0 ? ` on line ${exp.line}` : ''}`, () => {
        const xml = readFileSync(new URL(file, base), 'utf8');
        const t0 = performance.now();
        const r = validateCpl(xml);
        expect(performance.now() - t0).toBeLessThan(2000);
        if ('error' in exp) {
          expect(r.ok).toBe(false);
          expect(r.errors[0]).toMatchObject({ rule: exp.error, line: exp.line });
          const first = r.errors[0];
          expect(first?.message.startsWith(`Line ${exp.line}: `)).toBe(true);
          expect(first?.column).toBeGreaterThanOrEqual(0);
        } else {
          expect(r.errors).toEqual([]);
          expect(r.ok).toBe(true);
          if (exp.line > 0) expect(r.warnings).toContainEqual(expect.objectContaining({ rule: exp.warning, line: exp.line }));
        }
      });
    }
  });
}

describe('messages are plain words with the element as written', () => {
  it('sub-undefined names the sub and the line', () => {
    const r = validateCpl(readFileSync(new URL('../fixtures/invalid/sub-undefined.cpl', import.meta.url), 'utf8'));
    expect(r.errors[0]).toEqual({ line: 9, column: 5, rule: 'sub-undefined', message: 'Line 9: <sub ref="voicemial"> refers to a subaction that is not defined' });
  });

  it('the entity payloads of hostile scripts never show up in diagnostics', () => {
    for (const f of ['billion-laughs.cpl', 'xxe-file-passwd.cpl']) {
      const r = validateCpl(readFileSync(new URL(`../fixtures/hostile/${f}`, import.meta.url), 'utf8'));
      expect(JSON.stringify(r)).not.toMatch(/lollol|root:/);
    }
  });
});
