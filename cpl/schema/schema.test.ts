import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CPL_XSD_TEXT } from './cpl-xsd-text.js';
import { cplSchema } from './load-schema.js';
import { SCHEMA_PATCHES, applySchemaPatches } from './schema-patches.js';

describe('CPL schema (RFC 3880 Appendix C)', () => {
  it('the embedded text is byte-identical to cpl.xsd and to the shared spec copy', () => {
    const local = readFileSync(new URL('./cpl.xsd', import.meta.url), 'utf8');
    expect(CPL_XSD_TEXT).toBe(local);
    expect(local).toBe(readFileSync(new URL('../../../shared/specs/cpl.xsd', import.meta.url), 'utf8'));
  });

  it('every patch applies exactly once and the result compiles', () => {
    const patched = applySchemaPatches(CPL_XSD_TEXT);
    for (const p of SCHEMA_PATCHES) expect(patched).toContain(p.replace);
    expect(cplSchema().root()?.name()).toBe('schema');
  });
});
