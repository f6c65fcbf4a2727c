// Each image installs only what the app's and its libraries' package.json files declare
// (image-prune.ts), so each of those must declare what its production source imports.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTestFile, isUnpublished, manifestProblems, moduleSpecifiers, packageOf, readManifest, testingEntryImports } from './package-imports.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const rootManifest = readManifest(root);
const inFolder = (folder: string): string[] =>
  readdirSync(resolve(root, folder))
    .map((name) => `${folder}/${name}`)
    .filter((dir) => existsSync(resolve(root, dir, 'package.json')));
/** The apps, the libraries, and the development sinks (compose builds images of them too). */
const projects = [...inFolder('apps'), ...inFolder('libs'), 'tools/mail-sink', 'tools/sms-sink'];

describe('package-imports (the check itself)', () => {
  it('reads every form of import, type-only ones too, and names packages, not paths', () => {
    const text = [
      "import 'reflect-metadata';",
      "import { Controller } from '@nestjs/common';",
      "import type { Pool } from 'pg';",
      "export { x } from '@scope/pkg/sub/path.js';",
      "export * from './local.js';",
      "const later = await import('yaml');",
      "import { readFileSync } from 'node:fs';",
      "import { join } from 'path';",
      "// import { commented } from 'not-this';",
    ].join('\n');
    expect(moduleSpecifiers(text).map(packageOf)).toEqual(['reflect-metadata', '@nestjs/common', 'pg', '@scope/pkg', null, 'yaml', null, null]);
  });

  it('leaves test code out (specs and src/testing/, as eslint.config.js counts them) and unpublished folders', () => {
    expect(['src/a.spec.ts', 'src/testing/harness.ts', 'src/a.ts', 'src/x/testing.ts'].map(isTestFile)).toEqual([true, true, false, false]);
    expect(isUnpublished('src/bin/write-asyncapi.ts', { name: 'x', files: ['dist/**/*.js', '!dist/bin/**'] })).toBe(true);
    expect(isUnpublished('src/bin/tool.ts', { name: 'x' })).toBe(false);
  });
});

describe.each(projects)('%s/package.json', (project) => {
  it('declares every package its production source imports, at the root package.json\u2019s range', () => {
    expect(manifestProblems(resolve(root, project), rootManifest, project)).toEqual([]);
  });

  if (project !== 'libs/testing') {
    it('imports no library\u2019s ./testing entry point outside test code', () => {
      expect(testingEntryImports(resolve(root, project))).toEqual([]);
    });
  }
});
