import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfigClasses } from './config-classes.js';
import { ENV_EXAMPLE_PATH, expectation, loadSections, REFERENCE_PATH, renderEnvExample, renderReference } from './config-reference.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the configuration reference', () => {
  it('reads a class: its parent, each variable with its decorators, doc comment and default, and overridden defaults', () => {
    const source = `
      export const MODES = ['a', 'b'] as const;
      /** The thing's configuration. */
      export class ThingConfig extends BaseServiceConfig {
        override PORT = 3010;
        /** How many, at most. */
        @EnvInt({ min: 1, max: 64 })
        MAX: number = 4;
        @EnvOptional()
        @EnvSecret()
        @EnvString({ pattern: /^.{16,}$/, description: 'a secret of at least 16 characters' })
        TOKEN?: string;
        @EnvEnum(MODES)
        MODE: string = 'a';
        notAVariable = 1;
      }`;
    const { classes, constants } = readConfigClasses('thing-config.ts', source);
    expect(classes).toEqual([
      {
        name: 'ThingConfig',
        extendsName: 'BaseServiceConfig',
        doc: "The thing's configuration.",
        properties: [
          { name: 'PORT', doc: '', decorators: [], initializer: '3010', overridesDefault: true },
          { name: 'MAX', doc: 'How many, at most.', decorators: ['EnvInt({ min: 1, max: 64 })'], initializer: '4', overridesDefault: false },
          { name: 'TOKEN', doc: '', decorators: ['EnvOptional()', 'EnvSecret()', "EnvString({ pattern: /^.{16,}$/, description: 'a secret of at least 16 characters' })"], initializer: null, overridesDefault: false },
          { name: 'MODE', doc: '', decorators: ['EnvEnum(MODES)'], initializer: "'a'", overridesDefault: false },
        ],
      },
    ]);
    expect(expectation(['EnvEnum(MODES)'], constants)).toBe('one of `a`, `b`');
    expect(expectation(['EnvInt({ min: 1_000, max: 86_400_000 })'])).toBe('an integer from 1000 to 86400000');
    expect(expectation(["EnvUrl(['nats', 'tls'], { list: true })"])).toBe('a comma-separated list of nats:// or tls:// URLs');
  });

  it(`${REFERENCE_PATH} and ${ENV_EXAMPLE_PATH} are current (npm run config:reference writes them)`, () => {
    const sections = loadSections(root);
    expect(readFileSync(resolve(root, REFERENCE_PATH), 'utf8')).toBe(renderReference(sections));
    expect(readFileSync(resolve(root, ENV_EXAMPLE_PATH), 'utf8')).toBe(renderEnvExample(sections));
  });

  it('documents every variable of every process, secrets without a value in the example', () => {
    const sections = loadSections(root);
    const names = sections.flatMap((s) => s.variables.map((v) => v.name));
    for (const variable of ['DATABASE_URL', 'NATS_URL', 'UNSUBSCRIBE_SECRET', 'SMS_PROVIDERS', 'SMTP_HOST', 'SMTP_TLS', 'SMTP_PASSWORD', 'PROJECTIONS_URL']) expect(names).toContain(variable);
    const example = renderEnvExample(sections);
    expect(example).toContain('# SMTP_PASSWORD=\n');
    expect(example).toContain('# LOG_LEVEL=info\n');
    const reference = renderReference(sections);
    expect(reference).toMatch(/\| `UNSUBSCRIBE_SECRET` 🔒 \|/);
    expect(reference).toContain('one of `starttls-required`, `starttls-if-offered`, `implicit`, `off`');
    expect(reference).toContain('one of `fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`');
  });
});
