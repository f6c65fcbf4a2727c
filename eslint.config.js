// Lint rules for the whole workspace. The boundary rule is the one that matters most: it keeps
// libs from importing apps, apps from importing each other, and domain code free of frameworks.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const frameworkAndDrivers = ['@nestjs/*', '@nats-io/*', 'nats', 'pg', '@eventstore/*', 'fastify'];

/**
 * Which tags may depend on which. `type:tooling` libs (the process launcher, the sinks' kit) serve the
 * developer tools and tests only: tools may use them anywhere, apps and libs only in test code. The
 * `type:testing` lib (@stockflow/testing: what every test harness shares) serves tests only: tools may
 * use it anywhere, apps only in test code (libs' own tests may not: it depends on them).
 */
function depConstraints({ testCode }) {
  const tooling = testCode ? ['type:tooling'] : [];
  const testing = testCode ? ['type:testing'] : [];
  return [
    { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:adapter', 'type:platform', 'type:tooling', 'type:testing'] },
    { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:adapter', 'type:platform', 'type:tooling'] },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:adapter', 'type:platform', 'type:tooling'] },
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:adapter', 'type:platform', ...tooling, ...testing] },
    { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:adapter', ...tooling] },
    { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:adapter', ...tooling] },
    { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'], bannedExternalImports: frameworkAndDrivers },
    { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: frameworkAndDrivers },
  ];
}

/** Files that only tests load: specs and each project's `testing/` folder. */
const testFiles = ['**/*.spec.ts', '**/src/testing/**/*.ts'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '.nx/**', '**/src/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: depConstraints({ testCode: false }),
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    // Test code of apps and libs may start the system through the launcher; apps' also use the testing lib.
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: depConstraints({ testCode: true }) }],
    },
  },
  {
    // An app's domain folder is as pure as a type:domain lib: deciders know no framework or driver.
    files: ['apps/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', '@nats-io/*', 'pg', 'fastify', '@eventstore/*'], message: 'Domain code is framework-free.' },
            { group: ['@stockflow/platform', '@stockflow/postgres', '@stockflow/messaging', '@stockflow/eventstoredb'], message: 'Domain code depends only on contracts and the event-sourcing kernel.' },
          ],
        },
      ],
    },
  },
  {
    // Nest resolves constructor parameters from emitted metadata: a type-only import would erase it.
    files: ['apps/**/*.ts', 'libs/platform/**/*.ts', 'libs/messaging/src/nest/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
);
