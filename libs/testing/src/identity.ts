import { startDevIdentityProvider, type DevIdentityProvider, type DevScope } from '@stockflow/dev-identity';

/** Bearer tokens for tests, so that every test says who it is (ADR 0025). */
export interface TestIdentity {
  /** The issuer (`AUTH_ISSUER` of the services under test). */
  readonly issuer: string;
  /** A token of the customer `customerId` (scope `customer`). */
  customer(customerId: string): Promise<string>;
  /** A token of an operator (scope `operator`). */
  operator(name?: string): Promise<string>;
  /** A token with scope `metrics` (a scraper). */
  metrics(name?: string): Promise<string>;
}

function cachedIdentity(issuer: string, mint: (sub: string, scope: DevScope) => Promise<string>): TestIdentity {
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

let inProcess: Promise<{ provider: DevIdentityProvider; identity: TestIdentity }> | undefined;

/**
 * The development identity provider in this test process (one per test file, on a free port; its
 * server does not keep the process alive), for services started in-process.
 */
export async function testIdentity(): Promise<TestIdentity> {
  inProcess ??= startDevIdentityProvider({ port: 0, development: true, unref: true }).then((provider) => ({
    provider,
    identity: cachedIdentity(provider.issuer, async (sub, scope) => (await provider.mint(sub, scope)).access_token),
  }));
  return (await inProcess).identity;
}

/** Tokens from a running identity provider process (the system's `identity`) through `POST /dev/tokens`. */
export function devTokens(issuer: string): TestIdentity {
  return cachedIdentity(issuer, async (sub, scope) => {
    const response = await fetch(`${issuer}/dev/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, scope }) });
    if (!response.ok) throw new Error(`POST ${issuer}/dev/tokens answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { access_token: string }).access_token;
  });
}

/** `{ authorization: 'Bearer <token>' }`. */
export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });
