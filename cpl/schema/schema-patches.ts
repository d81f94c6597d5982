/**
 * Corrections applied to the RFC 3880 Appendix C schema before it is compiled. Each one follows
 * the RFC's normative text where the schema contradicts it (cpl.md §13 item 4). Every patch must
 * find its target exactly once, or loading fails loudly (schema.test.ts).
 */
export interface SchemaPatch {
  readonly why: string;
  readonly find: string;
  readonly replace: string;
}

export const SCHEMA_PATCHES: readonly SchemaPatch[] = [
  {
    why: 'FreqType: the monthly pattern reads [o|N], so "MONTHLY" fails although §4.4 says the values "are not case-sensitive".',
    find: '<xs:pattern value="[m|M][o|N][n|N][t|T][h|H][l|L][y|Y]"/>',
    replace: '<xs:pattern value="[m|M][o|O][n|N][t|T][h|H][l|L][y|Y]"/>',
  },
  {
    why: 'bysetpos: typed as one YearDayType value with maxExclusive 366, but §4.4 defines a comma-separated list of 1..366 or -366..-1 (checked in code).',
    find: '<xs:attribute name="bysetpos" type="YearDayType"/>',
    replace: '<xs:attribute name="bysetpos" type="xs:string"/>',
  },
];

export function applySchemaPatches(text: string): string {
  let out = text;
  for (const p of SCHEMA_PATCHES) {
    const first = out.indexOf(p.find);
    if (first < 0 || out.indexOf(p.find, first + 1) >= 0) throw new Error(`CPL schema patch does not apply exactly once: ${p.why}`);
    out = out.replace(p.find, p.replace);
  }
  return out;
}
