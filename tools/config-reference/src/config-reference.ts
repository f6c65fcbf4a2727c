// The reference of every environment variable (docs/configuration.md) and `.env.example`, from the
// configuration classes' source: one section per class, what it extends, each variable with its
// default, what a valid value is and why it exists.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readConfigClasses, type ConfigClass, type ConfigProperty } from './config-classes.js';

/** Where the configuration classes are, and the processes each configures. */
export const CONFIG_SOURCES: readonly { readonly file: string; readonly processes: readonly string[] }[] = [
  { file: 'libs/platform/src/config/runtime-mode-fields.ts', processes: [] },
  { file: 'libs/platform/src/config/base-service-config.ts', processes: [] },
  { file: 'libs/platform/src/config/relay-config.ts', processes: [] },
  { file: 'apps/relay/src/relay-config.ts', processes: ['relay-orders', 'relay-inventory', 'relay-carts', 'relay-notifications'] },
  { file: 'apps/orders/src/orders-config.ts', processes: ['orders'] },
  { file: 'apps/inventory/src/inventory-config.ts', processes: ['inventory'] },
  { file: 'apps/carts/src/carts-config.ts', processes: ['carts'] },
  { file: 'apps/notifications/src/notifications-config.ts', processes: ['notifications'] },
  { file: 'apps/notifier/src/notifier-config.ts', processes: ['notifier'] },
  { file: 'apps/projections/src/projections-config.ts', processes: ['projections'] },
  { file: 'apps/dashboard/src/dashboard-config.ts', processes: ['dashboard'] },
  { file: 'tools/identity/src/identity-config.ts', processes: ['identity'] },
];

/** Where the lists of allowed values that the classes name (`EnvEnum(LOG_LEVELS)`) are declared. */
export const CONSTANT_SOURCES: readonly string[] = [
  'libs/platform/src/config/runtime-mode.ts',
  'libs/platform/src/logging/logger.ts',
  'apps/notifier/src/channels/smtp-settings.ts',
];

export const REFERENCE_PATH = 'docs/configuration.md';
export const ENV_EXAMPLE_PATH = '.env.example';

interface Variable extends ConfigProperty {
  readonly expected: string;
  readonly secret: boolean;
  readonly optional: boolean;
}

interface Section {
  readonly config: ConfigClass;
  readonly processes: readonly string[];
  readonly variables: readonly Variable[];
}

/** Reads every configuration class under `root`. */
export function loadSections(root: string): Section[] {
  const constants = new Map<string, string>();
  const found: { config: ConfigClass; processes: readonly string[] }[] = [];
  for (const file of CONSTANT_SOURCES) {
    for (const [name, value] of readConfigClasses(file, readFileSync(resolve(root, file), 'utf8')).constants) constants.set(name, value);
  }
  for (const source of CONFIG_SOURCES) {
    const read = readConfigClasses(source.file, readFileSync(resolve(root, source.file), 'utf8'));
    for (const [name, value] of read.constants) constants.set(name, value);
    for (const config of read.classes) found.push({ config, processes: source.processes });
  }
  return found.map(({ config, processes }) => ({ config, processes, variables: config.properties.map((p) => describe(p, constants)) }));
}

function describe(property: ConfigProperty, constants: ReadonlyMap<string, string>): Variable {
  const has = (name: string): string | undefined => property.decorators.find((d) => d.startsWith(`${name}(`));
  return {
    ...property,
    secret: has('EnvSecret') !== undefined,
    optional: has('EnvOptional') !== undefined,
    expected: property.overridesDefault ? '' : expectation(property.decorators, constants),
  };
}

/** What a valid value is, from the decorators' arguments as written. */
export function expectation(decorators: readonly string[], constants: ReadonlyMap<string, string> = new Map()): string {
  for (const d of decorators) {
    if (d.startsWith('EnvPort(')) return 'a TCP port';
    if (d.startsWith('EnvBoolean(')) return '`true` or `false`';
    if (d.startsWith('EnvInt(')) {
      const min = /min:\s*([-\d_]+)/.exec(d)?.[1]?.replace(/_/g, '');
      const max = /max:\s*([-\d_]+)/.exec(d)?.[1]?.replace(/_/g, '');
      if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`;
      if (min !== undefined) return `an integer of at least ${min}`;
      return max !== undefined ? `an integer of at most ${max}` : 'an integer';
    }
    if (d.startsWith('EnvEnum(')) {
      const argument = d.slice('EnvEnum('.length, -1).trim();
      const list = constants.get(argument) ?? argument;
      const values = [...list.matchAll(/'([^']*)'/g)].map((m) => `\`${m[1]}\``);
      return values.length > 0 ? `one of ${values.join(', ')}` : `one of ${argument}`;
    }
    if (d.startsWith('EnvUrl(')) {
      const schemes = [...(/\[([^\]]*)\]/.exec(d)?.[1] ?? '').matchAll(/'([^']*)'/g)].map((m) => `${m[1]}://`);
      return `${/list:\s*true/.test(d) ? 'a comma-separated list of' : 'a'} ${schemes.join(' or ')} URL${/list:\s*true/.test(d) ? 's' : ''}`;
    }
    if (d.startsWith('EnvString(')) {
      const description = /description:\s*'((?:[^'\\]|\\.)*)'/.exec(d)?.[1];
      if (description) return description.replace(/\\'/g, "'");
      const pattern = /pattern:\s*(\/.*\/[a-z]*)/.exec(d)?.[1];
      return pattern ? `a string matching \`${pattern}\`` : 'a non-empty string';
    }
    if (d.startsWith('ValidateBy(')) {
      const message = /message:\s*'((?:[^'\\]|\\.)*)'/.exec(d)?.[1];
      if (message) return message.replace(/^[A-Z_]+ must be /, '');
    }
  }
  return 'a string';
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;

function defaultOf(variable: Variable): string {
  if (variable.initializer !== null) return code(variable.initializer);
  return variable.optional ? 'unset' : '**required**';
}

/** docs/configuration.md. */
export function renderReference(sections: readonly Section[]): string {
  const out: string[] = [
    '# Configuration',
    '',
    'Every environment variable of every process, generated from the configuration classes by',
    '`npm run config:reference` (a test fails when this file or `.env.example` is stale). Each process',
    'reads the variables of its class and of the classes it extends; a process that finds a bad or',
    'missing value exits at start with one line naming every such variable (secrets by name only).',
    '',
    '- **Files instead of values**: any variable may be given as `<VAR>_FILE=/path`, the value read from',
    '  the file (one trailing newline dropped) — a Kubernetes or Docker secret mounted as a file. Setting',
    '  both is an error (ADR 0033).',
    '- **Secrets** (marked 🔒) never appear in logs or configuration errors. Outside development',
    '  (`STOCKFLOW_ENV=development`) a process refuses the development secrets that ship with the code',
    '  (ADR 0027).',
    '- `npm start` sets every variable a process needs on this machine; see the system manifest',
    '  (`libs/system-launcher/src/system-manifest.ts`).',
    '',
  ];
  for (const section of sections) {
    const { config } = section;
    out.push(`## ${config.name}${section.processes.length ? ` — ${section.processes.map((p) => `\`${p}\``).join(', ')}` : ''}`, '');
    if (config.doc) out.push(config.doc, '');
    if (config.extendsName) out.push(`Also reads every variable of [${config.extendsName}](#${config.extendsName.toLowerCase()}).`, '');
    const overrides = section.variables.filter((v) => v.overridesDefault);
    if (overrides.length > 0) out.push(`Its own defaults: ${overrides.map((v) => `${code(v.name)} = ${code(v.initializer ?? '')}`).join(', ')}.`, '');
    const own = section.variables.filter((v) => !v.overridesDefault);
    if (own.length === 0) continue;
    out.push('| variable | default | a valid value | what it is |', '|---|---|---|---|');
    for (const v of own) out.push(`| ${code(v.name)}${v.secret ? ' 🔒' : ''} | ${cell(defaultOf(v))} | ${cell(v.expected)} | ${cell(v.doc)} |`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** .env.example: every variable, commented out, with its default where it has one. */
export function renderEnvExample(sections: readonly Section[]): string {
  const out: string[] = [
    '# Every environment variable of stockflow, commented out (generated: npm run config:reference).',
    '# What each means, and what a valid value is: docs/configuration.md. Any VAR may be given as',
    '# VAR_FILE=/path/to/a/file instead. A process reads only the variables of its own class.',
    '',
  ];
  for (const section of sections) {
    const own = section.variables.filter((v) => !v.overridesDefault);
    if (own.length === 0) continue;
    out.push(`## ${section.config.name}${section.processes.length ? ` (${section.processes.join(', ')})` : section.config.name === 'BaseServiceConfig' ? ' (every service)' : ' (every process)'}`);
    for (const v of own) {
      out.push(`# ${v.name}=${v.secret ? '' : literalOf(v.initializer)}`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** A default written as a plain literal (`'info'`, `60_000`, `true`) as it goes in an env file; anything computed: empty. */
function literalOf(initializer: string | null): string {
  if (initializer === null) return '';
  const quoted = /^(['"])(.*)\1$/.exec(initializer);
  if (quoted) return quoted[2]!;
  if (/^\d[\d_]*$/.test(initializer)) return initializer.replace(/_/g, '');
  return /^(true|false)$/.test(initializer) ? initializer : '';
}
