// Operators sign in to the dashboard with the OpenID Connect authorization-code flow (PKCE, state,
// nonce) through `openid-client`; the dashboard is a confidential client of the identity provider
// (ADR 0026). The session is the operator's own access token in an HttpOnly cookie: the dashboard
// verifies it like every service does and calls the APIs with it, so it keeps no session store and
// every replica accepts it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import * as oidc from 'openid-client';
import { discoverConfidentialClient, TokenRejected, TokenVerifier, type Caller } from '@stockflow/platform';

export interface OperatorSignInOptions {
  /** `AUTH_ISSUER`. */
  readonly issuer: string;
  /** `AUTH_AUDIENCE` of the access tokens. */
  readonly audience: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The dashboard's URL as browsers reach it; the callback is `<publicUrl>/auth/callback`. */
  readonly publicUrl: string;
}

export interface OperatorSession {
  readonly caller: Caller;
  /** The operator's access token, sent on as a bearer token. */
  readonly token: string;
}

/** What a request carries: a signed-in operator, someone signed in who is not one, or no one. */
export type SessionState = { readonly state: 'operator'; readonly session: OperatorSession } | { readonly state: 'not-operator'; readonly subject: string } | { readonly state: 'none' };

export const SESSION_COOKIE = 'stockflow_dashboard';
const PENDING_COOKIE = 'stockflow_dashboard_sign_in';
const PENDING_SECONDS = 600;

interface PendingSignIn {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

export class OperatorSignIn {
  private readonly verifier: TokenVerifier;
  private readonly publicUrl: URL;
  private readonly callbackUrl: string;
  private readonly secure: boolean;
  private config: Promise<oidc.Configuration> | undefined;

  constructor(private readonly options: OperatorSignInOptions) {
    this.verifier = new TokenVerifier({ issuer: options.issuer, audience: options.audience });
    this.publicUrl = new URL(options.publicUrl);
    this.callbackUrl = new URL('/auth/callback', this.publicUrl).href;
    this.secure = this.publicUrl.protocol === 'https:';
  }

  /** The URL the identity provider must allow as this client's redirect URI. */
  get redirectUri(): string {
    return this.callbackUrl;
  }

  /** Who the request's session cookie says is signed in (an expired or forged token is no one). */
  async sessionOf(request: IncomingMessage): Promise<SessionState> {
    const token = parseCookie(request.headers.cookie ?? '')[SESSION_COOKIE];
    const caller = token ? await this.verified(token) : null;
    if (!caller || !token) return { state: 'none' };
    return caller.kind === 'operator' ? { state: 'operator', session: { caller, token } } : { state: 'not-operator', subject: caller.subject };
  }

  /**
   * The caller of a request with an `Authorization: Bearer` token (a scraper, an operator's tool),
   * verified like every service verifies it; null without one or when it is not valid.
   */
  async bearerOf(request: IncomingMessage): Promise<Caller | null> {
    const header = request.headers.authorization ?? '';
    return header.startsWith('Bearer ') ? this.verified(header.slice(7).trim()) : null;
  }

  /** The token's caller; null when it is not valid; throws when the identity provider cannot be asked. */
  private async verified(token: string): Promise<Caller | null> {
    try {
      return await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenRejected && error.reason === 'unavailable') throw error;
      return null;
    }
  }

  /** `GET /auth/login`: on to the identity provider's authorization endpoint, the PKCE verifier, state and nonce kept in a short-lived cookie. */
  async begin(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // The cookies belong to the public origin: a visitor who came by another host name goes there first.
    if (request.headers.host !== this.publicUrl.host) return redirect(response, new URL('/auth/login', this.publicUrl).href);
    const pending: PendingSignIn = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
    const authorizationUrl = oidc.buildAuthorizationUrl(await this.configuration(), {
      redirect_uri: this.callbackUrl,
      scope: 'openid operator',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    response.setHeader('set-cookie', this.cookie(PENDING_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), PENDING_SECONDS, '/auth'));
    redirect(response, authorizationUrl.href);
  }

  /** `GET /auth/callback`: the code exchanged (state, nonce, PKCE and issuer checked), the access token kept as the session. */
  async complete(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pending = pendingOf(parseCookie(request.headers.cookie ?? '')[PENDING_COOKIE]);
    const clearPending = this.cookie(PENDING_COOKIE, '', 0, '/auth');
    if (!pending) return failure(response, 400, 'The sign-in expired or was started in another browser.', clearPending);
    let tokens: oidc.TokenEndpointResponse;
    try {
      tokens = await oidc.authorizationCodeGrant(await this.configuration(), new URL(request.url ?? '/', this.publicUrl), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      return failure(response, 400, `The identity provider did not sign you in (${describe(error)}).`, clearPending);
    }
    const lifetime = Math.max(60, Math.min(tokens.expires_in ?? 3600, 12 * 3600));
    response.setHeader('set-cookie', [clearPending, this.cookie(SESSION_COOKIE, tokens.access_token, lifetime, '/')]);
    redirect(response, new URL('/', this.publicUrl).href);
  }

  /** `POST /auth/logout`: the session cookie removed. */
  signOut(response: ServerResponse): void {
    response.setHeader('set-cookie', this.cookie(SESSION_COOKIE, '', 0, '/'));
    response.writeHead(303, { location: '/auth/signed-out', 'cache-control': 'no-store' });
    response.end();
  }

  private configuration(): Promise<oidc.Configuration> {
    this.config ??= discoverConfidentialClient(this.options.issuer, this.options.clientId, this.options.clientSecret).catch((error: unknown) => {
      this.config = undefined;
      throw error;
    });
    return this.config;
  }

  private cookie(name: string, value: string, maxAge: number, path: string): string {
    // Lax, not Strict: the callback is a top-level navigation coming back from the identity provider.
    return stringifySetCookie({ name, value, httpOnly: true, sameSite: 'lax', secure: this.secure, path, maxAge });
  }
}

function pendingOf(raw: string | undefined): PendingSignIn | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<PendingSignIn>;
    return typeof value.verifier === 'string' && typeof value.state === 'string' && typeof value.nonce === 'string' ? (value as PendingSignIn) : null;
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError) return error.error;
  return error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { location, 'cache-control': 'no-store' });
  response.end();
}

/** A small page (the visitor is a browser) saying why sign-in failed, with a way to try again. */
export function failure(response: ServerResponse, status: number, message: string, setCookie?: string): void {
  if (setCookie) response.setHeader('set-cookie', setCookie);
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  response.end(page('Sign-in', `<p>${escapeHtml(message)}</p><p><a href="/auth/login">Sign in again</a></p>`));
}

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>stockflow — ${escapeHtml(title)}</title></head><body><h1>stockflow</h1>${body}</body></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
