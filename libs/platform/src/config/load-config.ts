import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { readFileSync } from 'node:fs';
import { isSecretVariable } from './env-decorators.js';

/** One variable that is missing or invalid. */
export interface ConfigIssue {
  readonly variable: string;
  /** What a valid value looks like, e.g. `an integer between 1 and 65535`. */
  readonly expected: string;
  /** The raw value from the environment; `undefined` when the variable is missing; never a secret's value. */
  readonly received: string | undefined;
  /** The variable holds a secret: its value is not shown. */
  readonly secret?: boolean;
}

/**
 * The configuration is invalid. The message lists every issue at once, e.g.
 * `Invalid configuration for inventory: PORT must be an integer between 1 and 65535 (got "abc");
 * DB_SCHEMA must be a lower-case SQL identifier (missing)`.
 */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`Invalid configuration for ${service}: ${issues.map(describeIssue).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function describeIssue(issue: ConfigIssue): string {
  const got = issue.received === undefined ? 'missing' : issue.secret ? 'value hidden' : `got ${JSON.stringify(issue.received)}`;
  return `${issue.variable} must be ${issue.expected} (${got})`;
}

export type ConfigSchema<T extends object> = new () => T;

export interface LoadConfigOptions {
  /** Names the service in error messages; else `SERVICE_NAME` (env or default), else the class name. */
  readonly service?: string;
}

/**
 * Reads the variables a configuration class declares (every decorated property) from `env`,
 * converts and validates them, and returns an instance of the class. Absent or empty variables
 * keep the property's initializer (its default). Any variable may instead be given as a file:
 * `<VAR>_FILE=/path` reads its value from that file (one trailing newline dropped), so that secrets
 * mounted as files (Kubernetes, Docker) never pass through the environment. Throws a `ConfigError`
 * listing every issue.
 */
export function loadConfig<T extends object>(
  schema: ConfigSchema<T>,
  env: Record<string, string | undefined> = process.env,
  options: LoadConfigOptions = {},
): T {
  const variables = declaredVariables(schema);
  const raw: Record<string, string> = {};
  const fileIssues: ConfigIssue[] = [];
  for (const variable of variables) {
    const value = env[variable];
    const file = env[`${variable}_FILE`];
    if (value !== undefined && value !== '') {
      if (file) fileIssues.push({ variable: `${variable}_FILE`, expected: `unset when ${variable} is set (give one of them)`, received: file });
      else raw[variable] = value;
    } else if (file) {
      const read = readVariableFile(file);
      if (read === undefined) fileIssues.push({ variable: `${variable}_FILE`, expected: 'a readable, non-empty file', received: file });
      else raw[variable] = read;
    }
  }
  const config = plainToInstance(schema, raw);
  const errors = validateSync(config, { validationError: { target: false, value: false }, forbidUnknownValues: false });
  if (errors.length > 0 || fileIssues.length > 0) {
    const issues = [...fileIssues, ...errors.map((error) => toIssue(error, raw, isSecretVariable(schema, error.property)))];
    throw new ConfigError(serviceName(schema, env, options), issues);
  }
  return config;
}

/** A variable's value from its file: the content without one trailing newline; undefined when unreadable or empty. */
function readVariableFile(path: string): string | undefined {
  try {
    const content = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    return content === '' ? undefined : content;
  } catch {
    return undefined;
  }
}

/** The properties of a configuration class that carry validation decorators (including inherited). */
export function declaredVariables(schema: abstract new (...args: never[]) => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

function toIssue(error: ValidationError, raw: Record<string, string>, secret: boolean): ConfigIssue {
  const prefix = `${error.property} must be `;
  const expectations: string[] = [];
  for (const message of Object.values(error.constraints ?? {})) {
    const expectation = message.startsWith(prefix) ? message.slice(prefix.length) : message.replace(`${error.property} `, '');
    if (!expectations.includes(expectation)) expectations.push(expectation);
  }
  const received = raw[error.property];
  if (secret) return { variable: error.property, expected: expectations.join(' and ') || 'valid', received: received === undefined ? undefined : '', secret: true };
  return { variable: error.property, expected: expectations.join(' and ') || 'valid', received };
}

function serviceName(schema: abstract new (...args: never[]) => object, env: Record<string, string | undefined>, options: LoadConfigOptions): string {
  if (options.service) return options.service;
  if (env['SERVICE_NAME']) return env['SERVICE_NAME'];
  try {
    const defaults = new (schema as new () => { SERVICE_NAME?: unknown })();
    if (typeof defaults.SERVICE_NAME === 'string' && defaults.SERVICE_NAME) return defaults.SERVICE_NAME;
  } catch {
    // A schema whose constructor needs arguments: fall back to its name.
  }
  return schema.name;
}
