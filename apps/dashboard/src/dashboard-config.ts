import { ConfigError, EnvOptional, EnvPort, EnvSecret, EnvString, EnvUrl, RuntimeModeFields } from '@stockflow/platform';

/** The dashboard's environment, read and checked like every process's (`loadConfig`); `STOCKFLOW_ENV` as everywhere. */
export class DashboardConfig extends RuntimeModeFields {
  @EnvPort()
  PORT: number = 3000;

  @EnvString({ pattern: /^[A-Za-z0-9.:[\]-]+$/, description: 'a host name or IP address to listen on' })
  HOST: string = '127.0.0.1';

  /** The projections service whose views the page shows (and whose liveness makes the dashboard ready). */
  @EnvUrl(['http', 'https'])
  PROJECTIONS_URL: string = 'http://127.0.0.1:3005';

  /** Every process whose /metrics `/api/health` gathers: a JSON object of name → base URL. */
  @EnvString({ pattern: /^\s*\{[\s\S]*\}\s*$/, description: 'a JSON object of process names to base URLs' })
  METRICS_TARGETS: string = '{}';

  /** The dashboard's URL as browsers reach it (the sign-in's redirect URI); by default the address it listens on. */
  @EnvOptional()
  @EnvUrl(['http', 'https'])
  PUBLIC_URL?: string;

  /**
   * The identity provider operators sign in with and the dashboard's client there (authorization
   * code flow, ADR 0026); the dashboard calls the projections' views and every /metrics with the
   * signed-in operator's token.
   */
  @EnvOptional()
  @EnvUrl(['http', 'https'])
  AUTH_ISSUER?: string;

  @EnvString({ pattern: /^[A-Za-z0-9:/._-]{1,200}$/, description: 'an audience such as "stockflow"' })
  AUTH_AUDIENCE: string = 'stockflow';

  @EnvOptional()
  @EnvString({ pattern: /^[a-z][a-z0-9-]{0,62}$/, description: 'a lower-case client id such as "dashboard"' })
  AUTH_CLIENT_ID?: string;

  @EnvOptional()
  @EnvSecret()
  @EnvString({ pattern: /^\S{32,}$/, description: 'a secret of at least 32 characters without spaces' })
  AUTH_CLIENT_SECRET?: string;
}

/** With an issuer, the client id and secret are needed too: a dashboard that cannot sign anyone in is a configuration error. */
export function signInClientOf(config: DashboardConfig): void {
  if (!config.AUTH_ISSUER || (config.AUTH_CLIENT_ID && config.AUTH_CLIENT_SECRET)) return;
  throw new ConfigError('dashboard', [
    { variable: config.AUTH_CLIENT_ID ? 'AUTH_CLIENT_SECRET' : 'AUTH_CLIENT_ID', expected: "the dashboard's client at the identity provider (operators sign in through it)", received: undefined },
  ]);
}

/** `METRICS_TARGETS` as name → URL; a `ConfigError` when it is not such an object. */
export function metricsTargets(config: DashboardConfig): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.METRICS_TARGETS);
  } catch {
    parsed = null;
  }
  const valid = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((url) => typeof url === 'string' && /^https?:\/\//.test(url));
  if (!valid) {
    throw new ConfigError('dashboard', [{ variable: 'METRICS_TARGETS', expected: 'a JSON object of process names to http(s) base URLs', received: config.METRICS_TARGETS }]);
  }
  return parsed as Record<string, string>;
}
