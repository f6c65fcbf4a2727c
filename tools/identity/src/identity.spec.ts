import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startDevIdentityProvider, type DevIdentityProvider } from '@stockflow/dev-identity';
import { ClientCredentialsTokens, TokenVerifier } from '@stockflow/platform';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { identityConfigOf } from './identity-config.js';

const operatorClient = { clientId: 'ops-console', clientSecret: 'a'.repeat(40), scope: 'operator' };
const scraper = { clientId: 'scraper', clientSecret: 'b'.repeat(40), scope: 'metrics' };

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the development identity provider (oidc-provider)', () => {
  let dev: DevIdentityProvider;
  let prod: DevIdentityProvider;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    dev = await startDevIdentityProvider({ port: 0, development: true, clients: [operatorClient, scraper] });
    prod = await startDevIdentityProvider({ port: 0, development: false, clients: [operatorClient] });
    verifier = new TokenVerifier({ issuer: dev.issuer, audience: 'stockflow' });
  });
  afterAll(async () => {
    await dev?.close();
    await prod?.close();
  });

  it('publishes discovery and a JWKS with an ES256 signing key', async () => {
    const discovery = (await (await fetch(`${dev.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(dev.issuer);
    expect(discovery.grant_types_supported).toEqual(expect.arrayContaining(['client_credentials']));
    const jwks = (await (await fetch(String(discovery.jwks_uri))).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('mints customer and operator tokens at POST /dev/tokens in development mode, which the platform verifier accepts', async () => {
    const customer = await post(`${dev.issuer}/dev/tokens`, JSON.stringify({ sub: 'customer-17', scope: 'customer' }), { 'content-type': 'application/json' });
    expect(customer.status).toBe(200);
    expect(customer.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const token = String(customer.body.access_token);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(decodeJwt(token)).toMatchObject({ iss: dev.issuer, aud: 'stockflow', sub: 'customer-17', scope: 'customer' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ kind: 'customer', subject: 'customer-17' });

    const operator = await post(`${dev.issuer}/dev/tokens`, JSON.stringify({ sub: 'ada', scope: 'operator' }), { 'content-type': 'application/json' });
    await expect(verifier.verify(String(operator.body.access_token))).resolves.toMatchObject({ kind: 'operator', subject: 'ada' });
  });

  it('refuses bad token requests with a 400 problem, and refuses /dev/tokens outside development mode', async () => {
    for (const body of ['{', '[]', JSON.stringify({ sub: 'x', scope: 'root' }), JSON.stringify({ sub: 'a\u0000b', scope: 'customer' }), JSON.stringify({ sub: 'x', scope: 'customer', admin: true })]) {
      const answer = await post(`${dev.issuer}/dev/tokens`, body, { 'content-type': 'application/json' });
      expect(answer.status).toBe(400);
      expect(answer.body.status).toBe(400);
    }
    const refused = await post(`${prod.issuer}/dev/tokens`, JSON.stringify({ sub: 'customer-17', scope: 'customer' }), { 'content-type': 'application/json' });
    expect(refused.status).toBe(403);
    expect(refused.body).not.toHaveProperty('access_token');
  });

  it('issues client-credentials tokens to configured clients only, within their scope', async () => {
    const basic = (client: { clientId: string; clientSecret: string }) => `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const granted = await post(`${dev.issuer}/token`, 'grant_type=client_credentials&scope=operator', { ...form, authorization: basic(operatorClient) });
    expect(granted.status).toBe(200);
    await expect(verifier.verify(String(granted.body.access_token))).resolves.toMatchObject({ kind: 'operator', subject: 'ops-console', clientId: 'ops-console' });

    const scrape = await post(`${dev.issuer}/token`, 'grant_type=client_credentials&scope=metrics', { ...form, authorization: basic(scraper) });
    await expect(verifier.verify(String(scrape.body.access_token))).resolves.toMatchObject({ kind: 'service', scopes: new Set(['metrics']) });

    const beyond = await post(`${dev.issuer}/token`, 'grant_type=client_credentials&scope=operator', { ...form, authorization: basic(scraper) });
    expect(beyond.status).toBe(400);
    const wrongSecret = await post(`${dev.issuer}/token`, 'grant_type=client_credentials&scope=operator', { ...form, authorization: basic({ ...operatorClient, clientSecret: 'c'.repeat(40) }) });
    expect(wrongSecret.status).toBe(401);
  });

  it('gives a process its own token through the platform\'s client-credentials helper (openid-client), kept until near its expiry', async () => {
    const tokens = new ClientCredentialsTokens({ issuer: dev.issuer, clientId: operatorClient.clientId, clientSecret: operatorClient.clientSecret, scope: 'operator' });
    const first = await tokens.token();
    expect(await tokens.token()).toBe(first);
    await expect(verifier.verify(first)).resolves.toMatchObject({ kind: 'operator', subject: 'ops-console' });
    const wrong = new ClientCredentialsTokens({ issuer: dev.issuer, clientId: operatorClient.clientId, clientSecret: 'd'.repeat(40), scope: 'operator' });
    await expect(wrong.token()).rejects.toThrow();
  });

  it('a token of another issuer, another audience, or expired, is refused', async () => {
    const other = await post(`${prod.issuer}/token`, 'grant_type=client_credentials&scope=operator', {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${operatorClient.clientId}:${operatorClient.clientSecret}`).toString('base64')}`,
    });
    await expect(verifier.verify(String(other.body.access_token))).rejects.toThrow(/iss/);
    const wrongAudience = new TokenVerifier({ issuer: dev.issuer, audience: 'someone-else' });
    await expect(wrongAudience.verify((await dev.mint('c-1', 'customer')).access_token)).rejects.toThrow(/aud/);
    const short = await startDevIdentityProvider({ port: 0, development: true, accessTokenTtlSeconds: 1 });
    try {
      const token = (await short.mint('c-1', 'customer')).access_token;
      await new Promise((resolve) => setTimeout(resolve, 7000));
      await expect(new TokenVerifier({ issuer: short.issuer, audience: 'stockflow', clockToleranceSeconds: 5 }).verify(token)).rejects.toThrow(/expired/);
    } finally {
      await short.close();
    }
  });

  it('reads its configuration: no default client, secrets of at least 32 characters', () => {
    expect(identityConfigOf({}).clients).toEqual([]);
    expect(identityConfigOf({ NODE_ENV: 'development' }).development).toBe(true);
    expect(identityConfigOf({ NODE_ENV: 'production' }).development).toBe(false);
    expect(() => identityConfigOf({ IDENTITY_CLIENTS: JSON.stringify([{ clientId: 'x', clientSecret: 'short', scope: 'operator' }]) })).toThrow(/clientSecret/);
    expect(() => identityConfigOf({ IDENTITY_CLIENTS: JSON.stringify([{ clientId: 'x', clientSecret: 'z'.repeat(32), scope: 'root' }]) })).toThrow(/scope/);
  });
});
