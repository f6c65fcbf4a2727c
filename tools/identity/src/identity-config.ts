import { DEV_SCOPES, type DevClient } from '@stockflow/dev-identity';

export interface IdentityConfig {
  readonly port: number;
  readonly host: string;
  readonly audience: string;
  readonly development: boolean;
  readonly clients: readonly DevClient[];
}

/**
 * The development identity provider's environment (ADR 0026): `PORT` (3007), `HOST`, `AUTH_AUDIENCE`
 * (`stockflow`), `NODE_ENV` (`development` turns on `POST /dev/tokens`), and `IDENTITY_CLIENTS`, a
 * JSON array of `{ clientId, clientSecret, scope, redirectUris? }` (client credentials; with redirect
 * URIs also the authorization-code flow, e.g. the dashboard's operator sign-in). There is no
 * default client and no default secret: `npm start` makes fresh secrets for each run.
 */
export function identityConfigOf(env: NodeJS.ProcessEnv): IdentityConfig {
  const problems: string[] = [];
  const port = Number(env.PORT ?? '3007');
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push('PORT must be an integer between 0 and 65535');
  const audience = env.AUTH_AUDIENCE || 'stockflow';
  if (!/^[A-Za-z0-9:/._-]{1,200}$/.test(audience)) problems.push('AUTH_AUDIENCE must be an audience such as "stockflow"');
  const development = env.NODE_ENV === 'development';
  let clients: DevClient[] = [];
  try {
    const parsed: unknown = JSON.parse(env.IDENTITY_CLIENTS || '[]');
    if (!Array.isArray(parsed)) throw new Error('not an array');
    clients = parsed.map((entry: unknown, index) => {
      const { clientId, clientSecret, scope, redirectUris } = (entry ?? {}) as Record<string, unknown>;
      if (typeof clientId !== 'string' || !/^[a-z][a-z0-9-]{0,62}$/.test(clientId)) throw new Error(`[${index}].clientId must be a lower-case name`);
      if (typeof clientSecret !== 'string' || !/^\S{32,}$/.test(clientSecret)) throw new Error(`[${index}].clientSecret must be at least 32 characters without spaces`);
      if (typeof scope !== 'string' || !scope.split(' ').every((s) => (DEV_SCOPES as readonly string[]).includes(s))) {
        throw new Error(`[${index}].scope must be space-separated scopes of ${DEV_SCOPES.join(', ')}`);
      }
      if (redirectUris !== undefined && !(Array.isArray(redirectUris) && redirectUris.every(isRedirectUri))) {
        throw new Error(`[${index}].redirectUris must be an array of http(s) URLs without a fragment`);
      }
      return { clientId, clientSecret, scope, ...(redirectUris ? { redirectUris: redirectUris as string[] } : {}) };
    });
  } catch (error) {
    problems.push(`IDENTITY_CLIENTS must be a JSON array of { clientId, clientSecret, scope, redirectUris? } (${error instanceof Error ? error.message : String(error)})`);
  }
  if (problems.length > 0) throw new Error(`identity: invalid environment: ${problems.join('; ')}`);
  return { port, host: env.HOST || '127.0.0.1', audience, development, clients };
}

function isRedirectUri(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hash === '';
  } catch {
    return false;
  }
}
