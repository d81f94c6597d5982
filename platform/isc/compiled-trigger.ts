/**
 * A TriggerPoint compiled once: its SPT matchers and its groups (TS 29.228 Annex B/C).
 * CNF (ConditionTypeCNF = 1): SPTs sharing a Group are ORed, the groups are ANDed.
 * DNF (ConditionTypeCNF = 0): SPTs sharing a Group are ANDed, the groups are ORed.
 * ConditionNegated negates one SPT before it joins its groups; an SPT listing several Group
 * values takes part in each of them (isc.md §4.1, ISC-17). The result equals the reference
 * algorithm of isc.md §4.1; evaluation stops as soon as the answer is known, and each SPT is
 * evaluated at most once per request even when it is in several groups.
 */
import type { TriggerPoint } from './ifc-model.js';
import type { RequestView } from './request-view.js';
import type { EvaluationContext, SptMatcher } from './spt-matcher.js';

export interface TriggerExplanation {
  result: boolean;
  /** One line per SPT, in document order, with its group(s) and negation applied. */
  spts: string[];
  /** The combination: `CNF: group 0 (true) AND group 1 (false) → false`. */
  summary: string;
}

export class CompiledTrigger {
  readonly #cnf: boolean;
  readonly #matchers: SptMatcher[];
  readonly #negated: boolean[];
  /** Group ids ascending, and for each the indices of its SPTs in document order. */
  readonly #groupIds: number[];
  readonly #groups: number[][];
  readonly #memo: Uint8Array;

  constructor(trigger: TriggerPoint, matchers: SptMatcher[]) {
    this.#cnf = trigger.conditionTypeCnf;
    this.#matchers = matchers;
    this.#negated = matchers.map((m) => m.spt.conditionNegated);
    const byGroup = new Map<number, number[]>();
    matchers.forEach((m, index) => {
      for (const g of new Set(m.spt.groups)) {
        const list = byGroup.get(g) ?? [];
        list.push(index);
        byGroup.set(g, list);
      }
    });
    this.#groupIds = [...byGroup.keys()].sort((a, b) => a - b);
    this.#groups = this.#groupIds.map((g) => byGroup.get(g)!);
    this.#memo = new Uint8Array(matchers.length);
  }

  test(view: RequestView, ctx: EvaluationContext): boolean {
    const groups = this.#groups;
    // A trigger point without SPTs (impossible when schema-valid) matches nothing (isc.md §4.1).
    if (groups.length === 0) return false;
    // Results after negation: 0 = not evaluated yet, 1 = true, 2 = false. Reused between calls
    // (evaluation is synchronous, so never re-entered).
    const memo = this.#memo;
    memo.fill(0);
    for (let g = 0; g < groups.length; g++) {
      const members = groups[g]!;
      // CNF: a group is true when one member is; DNF: false when one member is false.
      let groupResult = !this.#cnf;
      for (let k = 0; k < members.length; k++) {
        const i = members[k]!;
        if (memo[i] === 0) memo[i] = this.#matchers[i]!.test(view, ctx) !== this.#negated[i] ? 1 : 2;
        if ((memo[i] === 1) === this.#cnf) {
          groupResult = this.#cnf;
          break;
        }
      }
      // CNF: one false group decides; DNF: one true group decides.
      if (groupResult !== this.#cnf) return !this.#cnf;
    }
    return this.#cnf;
  }

  explain(view: RequestView, ctx: EvaluationContext): TriggerExplanation {
    const values: boolean[] = [];
    const spts = this.#matchers.map((m, i) => {
      const { result, text } = m.explain(view, ctx);
      const label = `SPT ${i + 1} (group ${m.spt.groups.join(', ')})`;
      if (!this.#negated[i]) {
        values.push(result);
        return `${label}: ${text}`;
      }
      values.push(!result);
      return `${label}: NOT (${text}) → ${!result}`;
    });
    if (this.#groups.length === 0) return { result: false, spts, summary: 'trigger point without SPTs → false' };
    const inner = this.#cnf ? ' OR ' : ' AND ';
    const outer = this.#cnf ? ' AND ' : ' OR ';
    const groupResults = this.#groups.map((members) => (this.#cnf ? members.some((i) => values[i]) : members.every((i) => values[i])));
    const result = this.#cnf ? groupResults.every(Boolean) : groupResults.some(Boolean);
    const terms = this.#groupIds.map((g, k) => {
      const members = this.#groups[k]!.length > 1 ? ` [${this.#groups[k]!.map((i) => `SPT ${i + 1}`).join(inner)}]` : ` [SPT ${this.#groups[k]![0]! + 1}]`;
      return `group ${g}${members} ${groupResults[k]}`;
    });
    return { result, spts, summary: `${this.#cnf ? 'CNF' : 'DNF'}: ${terms.join(outer)} → ${result}` };
  }
}
