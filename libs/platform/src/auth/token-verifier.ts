import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { callerOf, type Caller } from './caller.js';

/** Signature algorithms a bearer token may use. Never `none`, never an HMAC (the key is the issuer's alone). */
export const ACCEPTED_TOKEN_ALGORITHMS = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'] as const;

export interface TokenVerifierOptions {
  /** The issuer's identifier (`iss`), e.g. `http://127.0.0.1:3007`; its discovery document is at `/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** The audience (`aud`) every token must name, e.g. `stockflow`. */
  readonly audience: string;
  /** Allowed clock skew for `exp`/`nbf`/`iat`, in seconds. Default 5. */
  readonly clockToleranceSeconds?: number;
  /** Timeout of the discovery and JWKS requests. Default 3000 ms. */
  readonly timeoutMs?: number;
  /** Tokens whose verification is remembered (see `verify`); 0 verifies every request anew. Default 10,000. */
  readonly verifiedTokens?: number;
}

/** A verified token is remembered this long at most, and never past its `exp`. */
const VERIFIED_TOKEN_TTL_MS = 5 * 60_000;

/** Why a token was not accepted: `unavailable` when the issuer could not be asked (the caller gets 503, not 401). */
export class TokenRejected extends Error {
  constructor(
    message: string,
    readonly reason: 'invalid' | 'unavailable',
  ) {
    super(message);
    this.name = 'TokenRejected';
  }
}

/**
 * Verifies OAuth 2.0 / OpenID Connect bearer tokens (JWT access tokens, RFC 9068) with `jose`: the
 * signature against the issuer's JWKS (found through discovery, cached, fetched again for an unknown
 * `kid`), `iss`, `aud`, `exp`/`nbf` with a small clock skew, and an algorithm allow-list.
 */
export class TokenVerifier {
  private jwks: Promise<JWTVerifyGetKey> | undefined;
  private readonly issuer: string;
  /** Callers of tokens already verified, by the token's SHA-256 (the token itself is not kept). */
  private readonly verified: LRUCache<string, Caller> | null;

  constructor(private readonly options: TokenVerifierOptions) {
    this.issuer = options.issuer;
    const max = options.verifiedTokens ?? 10_000;
    this.verified = max > 0 ? new LRUCache<string, Caller>({ max, ttl: VERIFIED_TOKEN_TTL_MS }) : null;
  }

  /**
   * The token's caller, or TokenRejected. A client sends the same token with every request until it
   * expires, and checking its signature was the largest single cost of a request in the profiles
   * (issue 12: 11% of the carts service's CPU): a token that verified is remembered until its `exp`
   * (at most 5 minutes), so the signature of one token is checked about once per 5 minutes.
   * Only valid tokens are remembered, so a caller cannot fill the cache with garbage.
   */
  async verify(token: string): Promise<Caller> {
    const digest = this.verified ? createHash('sha256').update(token).digest('base64url') : '';
    const known = this.verified?.get(digest);
    if (known) return known;
    const { caller, expiresAt } = await this.verifySignature(token);
    const ttl = Math.min(VERIFIED_TOKEN_TTL_MS, expiresAt * 1000 - Date.now());
    if (this.verified && ttl > 0) this.verified.set(digest, caller, { ttl });
    return caller;
  }

  private async verifySignature(token: string): Promise<{ caller: Caller; expiresAt: number }> {
    const keys = await this.keys();
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.issuer,
        audience: this.options.audience,
        algorithms: [...ACCEPTED_TOKEN_ALGORITHMS],
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWKSTimeout || (error instanceof Error && /fetch failed|ECONNREFUSED/.test(error.message))) {
        throw new TokenRejected('the identity provider could not be reached', 'unavailable');
      }
      throw new TokenRejected(describe(error), 'invalid');
    }
    const caller = callerOf(payload);
    if (!caller) throw new TokenRejected('the token has no usable subject', 'invalid');
    return { caller, expiresAt: payload.exp! };
  }

  /** The JWKS of the issuer, from its discovery document; a failed discovery is tried again on the next request. */
  private keys(): Promise<JWTVerifyGetKey> {
    this.jwks ??= this.discover().catch((error: unknown) => {
      this.jwks = undefined;
      throw error;
    });
    return this.jwks;
  }

  private async discover(): Promise<JWTVerifyGetKey> {
    const url = new URL('.well-known/openid-configuration', this.issuer.endsWith('/') ? this.issuer : `${this.issuer}/`);
    let metadata: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000), headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`discovery answered ${response.status}`);
      metadata = (await response.json()) as typeof metadata;
    } catch (error) {
      throw new TokenRejected(`the identity provider's discovery document could not be read (${describe(error)})`, 'unavailable');
    }
    // OpenID Connect Discovery 1.0 §4.3: the issuer in the document must be the one configured.
    if (metadata.issuer !== this.issuer) throw new TokenRejected(`discovery names the issuer ${String(metadata.issuer)}, not ${this.issuer}`, 'unavailable');
    if (typeof metadata.jwks_uri !== 'string') throw new TokenRejected('discovery names no jwks_uri', 'unavailable');
    return createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: this.options.timeoutMs ?? 3000 });
  }
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token's "${error.claim}" claim is not accepted`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "the token's key is not the issuer's";
  if (error instanceof joseErrors.JWTInvalid || error instanceof joseErrors.JWSInvalid) return 'the token is malformed';
  return error instanceof Error ? error.message : String(error);
}
