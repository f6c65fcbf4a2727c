import { cachedDevTokens, startDevIdentityProvider, type DevIdentityProvider, type DevTokens } from '@stockflow/dev-identity';

export { bearer, devTokens } from '@stockflow/dev-identity';

/** Bearer tokens for tests, so that every test says who it is (ADR 0025). */
export type TestIdentity = DevTokens;

let inProcess: Promise<{ provider: DevIdentityProvider; identity: TestIdentity }> | undefined;

/**
 * The development identity provider in this test process (one per test file, on a free port; its
 * server does not keep the process alive), for services started in-process.
 */
export async function testIdentity(): Promise<TestIdentity> {
  inProcess ??= startDevIdentityProvider({ port: 0, development: true, unref: true }).then((provider) => ({
    provider,
    identity: cachedDevTokens(provider.issuer, async (sub, scope) => (await provider.mint(sub, scope)).access_token),
  }));
  return (await inProcess).identity;
}
