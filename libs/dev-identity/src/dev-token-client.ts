import type { DevScope } from './dev-identity-provider.js';

/** Bearer tokens of the development identity provider, one per subject and scope, kept for reuse. */
export interface DevTokens {
  /** The issuer (`AUTH_ISSUER` of the services). */
  readonly issuer: string;
  /** A token of the customer `customerId` (scope `customer`). */
  customer(customerId: string): Promise<string>;
  /** A token of an operator (scope `operator`). */
  operator(name?: string): Promise<string>;
  /** A token with scope `metrics` (a scraper). */
  metrics(name?: string): Promise<string>;
}

/** `DevTokens` over a mint function; a failed mint is forgotten so that the next call tries again. */
export function cachedDevTokens(issuer: string, mint: (sub: string, scope: DevScope) => Promise<string>): DevTokens {
  const tokens = new Map<string, Promise<string>>();
  const token = (sub: string, scope: DevScope): Promise<string> => {
    const key = `${scope} ${sub}`;
    let found = tokens.get(key);
    if (!found) {
      found = mint(sub, scope);
      tokens.set(key, found);
      found.catch(() => tokens.delete(key));
    }
    return found;
  };
  return {
    issuer,
    customer: (customerId) => token(customerId, 'customer'),
    operator: (name = 'test-operator') => token(name, 'operator'),
    metrics: (name = 'test-scraper') => token(name, 'metrics'),
  };
}

/**
 * Tokens from a running development identity provider through `POST /dev/tokens` (development mode
 * only): what tests, benchmarks and tools use against `npm start` or a launched system.
 */
export function devTokens(issuer: string): DevTokens {
  return cachedDevTokens(issuer, async (sub, scope) => {
    const response = await fetch(`${issuer}/dev/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, scope }) });
    if (!response.ok) throw new Error(`POST ${issuer}/dev/tokens answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { access_token: string }).access_token;
  });
}

/** `{ authorization: 'Bearer <token>' }`. */
export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });
