// Shared Jest settings. NestJS 12 is ESM-only and Jest cannot require() ESM, so every suite runs as
// ESM (node --experimental-vm-modules) transformed by SWC, which keeps decorator metadata.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(fileURLToPath(import.meta.url));
const swc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8'));

// Workspace aliases resolve to sources in tests (and to built dist/ at run time via npm workspaces).
const aliases = Object.fromEntries(
  Object.entries(tsconfig.compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace(/[/]/g, '\\/')}$`,
    join(root, target),
  ]),
);

// Jest's own loader cannot require() ESM-only packages on Node 20 (Node itself can). @fastify/static
// (loaded by @nestjs/swagger for /docs) requires content-disposition 2 and light-my-request requires
// cookie 2, both ESM-only and sometimes nested: those files are transformed by SWC too.
const esmOnly = ['cookie', 'content-disposition'].join('|');
const swcTransform = ['@swc/jest', { ...swc, swcrc: false, sourceMaps: 'inline' }];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': swcTransform,
    [`/node_modules/(.+/node_modules/)?(${esmOnly})/.+\\.js$`]: swcTransform,
  },
  transformIgnorePatterns: [`^(?!.*/node_modules/(${esmOnly})/).*/node_modules/`],
  moduleNameMapper: { ...aliases, '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testTimeout: 30000,
};
