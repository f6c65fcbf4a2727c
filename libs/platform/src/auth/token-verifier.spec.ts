import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenRejected, TokenVerifier } from './token-verifier.js';

/** An issuer of our own (discovery and JWKS over HTTP), so that tokens can expire within the test. */
describe('TokenVerifier: verified tokens remembered', () => {
  let server: http.Server;
  let issuer: string;
  let signingKey: CryptoKey;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    signingKey = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = http.createServer((req, res) => {
      const body = req.url === '/.well-known/openid-configuration' ? { issuer, jwks_uri: `${issuer}/jwks` } : req.url === '/jwks' ? { keys: [jwk] } : null;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const token = (subject: string, expiresInSeconds: number): Promise<string> =>
    new SignJWT({ scope: 'customer' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience('stockflow')
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(signingKey);

  it('accepts a remembered token only until its exp', async () => {
    const verifier = new TokenVerifier({ issuer, audience: 'stockflow', clockToleranceSeconds: 0 });
    const shortLived = await token('customer-a', 2);
    expect((await verifier.verify(shortLived)).subject).toBe('customer-a');
    expect((await verifier.verify(shortLived)).subject).toBe('customer-a');
    const { exp } = JSON.parse(Buffer.from(shortLived.split('.')[1]!, 'base64url').toString()) as { exp: number };
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    await expect(verifier.verify(shortLived)).rejects.toThrow(new TokenRejected('the token has expired', 'invalid'));
  });

  it('checks a token whose signature differs from a remembered one on its own', async () => {
    const verifier = new TokenVerifier({ issuer, audience: 'stockflow' });
    const valid = await token('customer-b', 300);
    await verifier.verify(valid);
    const [header, payload, signature] = valid.split('.');
    const other = signature!.startsWith('A') ? 'B' : 'A';
    await expect(verifier.verify(`${header}.${payload}.${other}${signature!.slice(1)}`)).rejects.toBeInstanceOf(TokenRejected);
    // The same payload under a key that is not the issuer's.
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ scope: 'customer' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(issuer).setAudience('stockflow').setSubject('customer-b').setExpirationTime('5m').sign(privateKey);
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(TokenRejected);
  });

  it('costs a hash, not a signature check, for a token it has seen (figures reported)', async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => token(`customer-${i}`, 300)));
    const timed = async (verifier: TokenVerifier): Promise<number> => {
      for (const t of tokens) await verifier.verify(t); // discovery, JWKS and first sight
      const started = performance.now();
      for (let round = 0; round < 25; round++) for (const t of tokens) await verifier.verify(t);
      return ((performance.now() - started) * 1000) / (25 * tokens.length);
    };
    const everyTime = await timed(new TokenVerifier({ issuer, audience: 'stockflow', verifiedTokens: 0 }));
    const remembered = await timed(new TokenVerifier({ issuer, audience: 'stockflow' }));
    console.log(`bearer token verification: ${everyTime.toFixed(1)} µs checking the signature every time, ${remembered.toFixed(1)} µs for a remembered token`);
    expect(remembered).toBeGreaterThan(0);
    expect(everyTime).toBeGreaterThan(0);
  });
});
