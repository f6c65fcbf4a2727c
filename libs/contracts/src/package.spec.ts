// The contracts package stands on its own: what `npm pack` puts in it, and that its version is the
// event catalog's.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ASYNCAPI_VERSION } from './asyncapi-location.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; private?: boolean; dependencies: Record<string, string> };

describe('the @stockflow/contracts package', () => {
  it('is versioned with the event catalog and depends on TypeBox only, by a real range', () => {
    expect(manifest.version).toBe(ASYNCAPI_VERSION);
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies).toEqual({ '@sinclair/typebox': expect.stringMatching(/^\^\d/) });
  });

  it('packs its built JavaScript, type declarations and README, and no tests or tools', () => {
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: new URL('..', import.meta.url), encoding: 'utf8' });
    expect(pack.status).toBe(0);
    const files = (JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/envelope.d.ts', 'dist/inventory/sku-events.d.ts']));
    expect(files.filter((f) => /spec|bin\/|\.map$|src\//.test(f))).toEqual([]);
    // Nothing in it reaches for another stockflow package.
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      expect([file, readFileSync(new URL(`../${file}`, import.meta.url), 'utf8').includes('@stockflow/')]).toEqual([file, false]);
    }
  });
});
