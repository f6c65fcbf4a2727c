import { ConfigError, type ConfigIssue } from './load-config.js';

/** The modes a stockflow process runs in. Anything but `development` is treated as production. */
export const STOCKFLOW_ENVS = ['development', 'test', 'production'] as const;
export type StockflowEnv = (typeof STOCKFLOW_ENVS)[number];

/** The configuration fields that say the mode (both in `BaseServiceConfig`). */
export interface RuntimeModeConfig {
  readonly STOCKFLOW_ENV?: string;
  readonly NODE_ENV?: string;
}

/**
 * Whether the process runs in development mode: `STOCKFLOW_ENV=development`, or — when
 * STOCKFLOW_ENV is unset — `NODE_ENV=development`. `npm start` and the system launcher set it;
 * unset, a process is in production mode (safe by default, ADR 0027): no development secrets,
 * no unsigned webhooks.
 */
export function isDevelopment(config: RuntimeModeConfig): boolean {
  return (config.STOCKFLOW_ENV ?? config.NODE_ENV) === 'development';
}

/**
 * Refuses to start outside development while a secret still holds a value that ships with the
 * code (`{ UNSUBSCRIBE_SECRET: [DEV_UNSUBSCRIBE_SECRET] }`): throws a `ConfigError` naming each such
 * variable, never its value. In development it returns quietly.
 */
export function refuseDevelopmentSecrets(service: string, config: object, knownDefaults: Readonly<Record<string, readonly string[]>>): void {
  if (isDevelopment(config as RuntimeModeConfig)) return;
  const issues: ConfigIssue[] = [];
  for (const [variable, defaults] of Object.entries(knownDefaults)) {
    const value = (config as Record<string, unknown>)[variable];
    if (typeof value === 'string' && defaults.some((known) => value.includes(known))) {
      issues.push({
        variable,
        expected: 'a secret of your own outside development (this one ships with the code; STOCKFLOW_ENV=development allows it)',
        received: value,
        secret: true,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(service, issues);
}
