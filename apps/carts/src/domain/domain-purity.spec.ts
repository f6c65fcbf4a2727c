// The domain folder is plain TypeScript: no framework, driver or I/O module may creep in. Nx tags
// work per project, so this folder-level rule is checked here.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const allowed = [/^\.{1,2}\//, /^@stockflow\/contracts$/, /^@stockflow\/event-sourcing$/];

describe('domain purity', () => {
  it('imports only other domain files, contracts and the event-sourcing kernel', () => {
    const files = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    expect(files).toContain('cart.ts');
    for (const file of files) {
      const source = readFileSync(join(here, file), 'utf8');
      const specifiers = [...source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)].map(
        (m) => m[1] ?? m[2] ?? m[3],
      );
      for (const specifier of specifiers) {
        expect({ file, specifier, allowed: allowed.some((pattern) => pattern.test(specifier!)) }).toEqual({ file, specifier, allowed: true });
      }
    }
  });
});
