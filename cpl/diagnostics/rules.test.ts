import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CPL_RULES } from './rules.js';

/** Every string that reaches a diagnostic as a rule code, found in the engine's sources. */
function usedCodes(): Set<string> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'fixtures' && !name.startsWith('.')) walk(path);
      } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/(?:error|warn|diagnostic|fail)\(\s*'([a-z0-9-]+)'/g)) if (m[1] !== undefined) out.add(m[1]);
      }
    }
  };
  walk(root);
  return out;
}

describe('rule codes', () => {
  it('are stable kebab-case codes, each documented', () => {
    for (const [code, text] of Object.entries(CPL_RULES)) {
      expect(code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(text.length).toBeGreaterThan(10);
    }
  });

  it('every code the engine emits is in the catalogue', () => {
    const used = usedCodes();
    expect(used.size).toBeGreaterThan(40);
    for (const code of used) expect(Object.keys(CPL_RULES)).toContain(code);
  });
});
