import { ConfigError } from '../config/load-config.js';
import { isDevelopment, type RuntimeModeConfig } from '../config/runtime-mode.js';

/** Injection token: whether callers are authenticated (the auth guard is installed). */
export const AUTH_ENABLED = Symbol.for('stockflow.platform.auth-enabled');

/** What `createService` needs to authenticate callers (ADR 0025); from `AUTH_*` in the service's config. */
export interface AuthOptions {
  /** `AUTH_ISSUER`: the OpenID Provider's issuer identifier; its JWKS is found through discovery. */
  readonly issuer: string;
  /** `AUTH_AUDIENCE`: the audience every token must name. */
  readonly audience: string;
  /** `AUTH_STREAM_TICKET_SECRET`: the key of stream tickets, shared by a service's replicas; random per process when unset. */
  readonly streamTicketSecret?: string;
}

/** The configuration fields `authOptionsOf` reads (all in `BaseServiceConfig`). */
export interface AuthConfigLike {
  readonly AUTH_ISSUER?: string;
  readonly AUTH_AUDIENCE?: string;
  readonly AUTH_STREAM_TICKET_SECRET?: string;
}

/** The auth options of a loaded configuration; null when `AUTH_ISSUER` is not set. */
export function authOptionsOf(config: AuthConfigLike): AuthOptions | null {
  if (!config.AUTH_ISSUER) return null;
  return { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE ?? 'stockflow', streamTicketSecret: config.AUTH_STREAM_TICKET_SECRET };
}

/**
 * Refuses to run a service without authentication outside development (ADR 0025): a process started
 * from its entry point with `AUTH_ISSUER` unset would treat every caller as an operator. In
 * development (`npm start -- --no-auth`, in-process tests) an open service is allowed and says so.
 */
export function refuseOpenAccessOutsideDevelopment(service: string, config: AuthConfigLike & RuntimeModeConfig): void {
  if (config.AUTH_ISSUER || isDevelopment(config)) return;
  throw new ConfigError(service, [
    {
      variable: 'AUTH_ISSUER',
      expected: "the OpenID Provider's issuer URL outside development (without it every caller would be an operator; STOCKFLOW_ENV=development allows running without authentication)",
      received: undefined,
    },
  ]);
}
