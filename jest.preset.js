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

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false, sourceMaps: 'inline' }] },
  transformIgnorePatterns: ['/node_modules/(?!(cookie)/)'],
  moduleNameMapper: { ...aliases, '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testTimeout: 30000,
};
