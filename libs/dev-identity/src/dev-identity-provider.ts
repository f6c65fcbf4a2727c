import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';

/** The scopes the development identity provider issues (ADR 0025, 0026). */
export const DEV_SCOPES = ['customer', 'operator', 'metrics', 'service'] as const;
export type DevScope = (typeof DEV_SCOPES)[number];

/** A confidential client of the client-credentials grant (operators' tools, the dashboard, a metrics scraper). */
export interface DevClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated scopes the client may ask for, e.g. `operator`. */
  readonly scope: string;
  /**
   * Where the authorization-code flow may send the browser back (e.g. the dashboard's
   * `http://127.0.0.1:3000/auth/callback`); a client with none has only the client-credentials grant.
   */
  readonly redirectUris?: readonly string[];
}

export interface DevIdentityProviderOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** The audience of every access token (`AUTH_AUDIENCE` of the services). Default `stockflow`. */
  readonly audience?: string;
  /** Lifetime of an access token in seconds. Default 3600. */
  readonly accessTokenTtlSeconds?: number;
  readonly clients?: readonly DevClient[];
  /**
   * Development mode: serves `POST /dev/tokens` (any subject, any of the scopes, no credentials) and
   * signs anyone in under any name at the authorization endpoint (oidc-provider's development
   * interactions). Only ever true in development; without it no one can sign in here.
   */
  readonly development: boolean;
  /** The server does not keep the process alive (tests). */
  readonly unref?: boolean;
}

export interface DevTokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
}

export interface DevIdentityProvider {
  /** The issuer identifier (`AUTH_ISSUER`), also the base URL. */
  readonly issuer: string;
  readonly audience: string;
  readonly port: number;
  /** Mints an access token as `POST /dev/tokens` does (in-process; regardless of `devTokens`, for tests). */
  mint(subject: string, scope: DevScope): Promise<DevTokenResponse>;
  close(): Promise<void>;
}

/** The resource indicator (RFC 8707) of stockflow's APIs: every token is for it; its audience is `audience`. */
export const STOCKFLOW_RESOURCE = 'urn:stockflow:api';
const DEV_TOKENS_CLIENT = 'stockflow-dev-tokens';
const SUBJECT = /^[\p{L}\p{N}._:@-]{1,128}$/u;

/**
 * The development OpenID Provider (ADR 0026), built on `oidc-provider` (OpenID Certified): discovery
 * at `/.well-known/openid-configuration`, the JWKS at `/jwks` (a fresh ES256 key per start), the
 * client-credentials grant at `/token` for the configured clients, the authorization-code flow for
 * clients with redirect URIs (the dashboard), and — only in `development` — a sign-in form that
 * takes any name and `POST /dev/tokens` `{ "sub", "scope": "customer" | "operator" | "metrics" }` answering
 * `{ access_token, token_type: "Bearer", expires_in }`. Every access token is a JWT (RFC 9068) for
 * the audience, signed ES256. `GET /health/live` answers 200 for the process launcher.
 */
export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
  const host = options.host ?? '127.0.0.1';
  const audience = options.audience ?? 'stockflow';
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  if (options.unref) server.unref();
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' };
  const resourceServer = {
    scope: DEV_SCOPES.join(' '),
    audience,
    accessTokenTTL: ttl,
    accessTokenFormat: 'jwt' as const,
    jwt: { sign: { alg: 'ES256' as const } },
  };

  const signInClients = new Map((options.clients ?? []).filter((client) => client.redirectUris?.length).map((client) => [client.clientId, client]));
  const provider = new Provider(issuer, {
    clients: [
      ...(options.clients ?? []).map((client) => {
        const signsIn = signInClients.has(client.clientId);
        return {
          client_id: client.clientId,
          client_secret: client.clientSecret,
          grant_types: signsIn ? ['authorization_code', 'client_credentials'] : ['client_credentials'],
          response_types: signsIn ? ['code' as const] : [],
          redirect_uris: [...(client.redirectUris ?? [])],
          scope: `${signsIn ? 'openid ' : ''}${client.scope}`,
          token_endpoint_auth_method: 'client_secret_basic' as const,
        };
      }),
      // The client /dev/tokens mints for; it has no secret anyone knows and no grant of its own.
      { client_id: DEV_TOKENS_CLIENT, client_secret: randomBytes(32).toString('base64url'), grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: DEV_SCOPES.join(' ') },
    ],
    jwks: { keys: [signingKey] },
    // The one signing key is ES256: it signs every token (the default, RS256, has no key here).
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['client_credentials'], response_types: [] },
    scopes: ['openid', ...DEV_SCOPES],
    claims: { openid: ['sub'] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: { ClientCredentials: ttl, AccessToken: ttl },
    // Every configured client is first-party: a signed-in user is not asked to consent again, and is
    // granted what the client asked for within the client's own scopes.
    loadExistingGrant: async (ctx): Promise<InstanceType<Provider['Grant']> | undefined> => {
      const Grant = ctx.oidc.provider.Grant;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return Grant.find(grantId);
      const client = signInClients.get(ctx.oidc.client!.clientId);
      if (!client) return undefined;
      const allowed = new Set(client.scope.split(' '));
      const requested = String(ctx.oidc.params?.scope ?? '').split(' ').filter((scope) => allowed.has(scope));
      const grant = new Grant({ clientId: client.clientId, accountId: ctx.oidc.session!.accountId });
      // stockflow's scopes are both scopes of the provider and of the API resource: granted as both.
      grant.addOIDCScope(['openid', ...requested].join(' '));
      if (requested.length > 0) grant.addResourceScope(STOCKFLOW_RESOURCE, requested.join(' '));
      await grant.save();
      return grant;
    },
    features: {
      // The sign-in form of the library's development interactions accepts any name: development only.
      devInteractions: { enabled: options.development },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => STOCKFLOW_RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== STOCKFLOW_RESOURCE) throw new errors.InvalidTarget();
          return resourceServer;
        },
      },
    },
    findAccount: async (_ctx, sub) => (SUBJECT.test(sub) ? { accountId: sub, claims: async () => ({ sub }) } : undefined),
  });

  const mint = async (subject: string, scope: DevScope): Promise<DevTokenResponse> => {
    const client = await provider.Client.find(DEV_TOKENS_CLIENT);
    const token = new provider.AccessToken({
      accountId: subject,
      client: client!,
      scope,
      gty: 'urn:stockflow:dev-token',
      resourceServer: new provider.ResourceServer(STOCKFLOW_RESOURCE, resourceServer),
    } as never);
    const accessToken = await token.save();
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope };
  };

  const callback = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/health/live' && request.method === 'GET') return send(response, 200, { status: 'ok' });
    if (path === '/dev/tokens') {
      if (!options.development) {
        return problem(response, 403, 'Forbidden', 'POST /dev/tokens exists only when the identity provider runs in development mode (NODE_ENV=development).');
      }
      if (request.method !== 'POST') return problem(response, 405, 'Method Not Allowed', 'Use POST.', { allow: 'POST' });
      return void devTokens(request, response, mint);
    }
    return void callback(request, response);
  });

  let closed: Promise<void> | undefined;
  return {
    issuer,
    audience,
    port,
    mint,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

async function devTokens(request: IncomingMessage, response: ServerResponse, mint: DevIdentityProvider['mint']): Promise<void> {
  let raw = '';
  for await (const chunk of request) {
    raw += chunk;
    if (raw.length > 4096) return problem(response, 413, 'Content Too Large', 'The body is larger than 4 KiB.');
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return problem(response, 400, 'Bad Request', 'The body must be JSON: { "sub": "<customer id or name>", "scope": "customer" | "operator" | "metrics" }.');
  }
  const { sub, scope, ...rest } = (body ?? {}) as Record<string, unknown>;
  const errorsFound: Array<{ field: string; messages: string[] }> = [];
  if (typeof sub !== 'string' || !SUBJECT.test(sub)) errorsFound.push({ field: 'sub', messages: ['sub must be 1–128 letters, digits or . _ : @ -'] });
  if (typeof scope !== 'string' || !(DEV_SCOPES as readonly string[]).includes(scope)) errorsFound.push({ field: 'scope', messages: [`scope must be one of ${DEV_SCOPES.join(', ')}`] });
  for (const field of Object.keys(rest)) errorsFound.push({ field, messages: [`property ${field} should not exist`] });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) errorsFound.splice(0, errorsFound.length, { field: '', messages: ['the body must be an object'] });
  if (errorsFound.length > 0) return problem(response, 400, 'Bad Request', 'The token request is not valid.', {}, errorsFound);
  send(response, 200, await mint(sub as string, scope as DevScope), { 'cache-control': 'no-store' });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json'): void {
  response.writeHead(status, { 'content-type': type, ...headers });
  response.end(JSON.stringify(body));
}

function problem(response: ServerResponse, status: number, title: string, detail: string, headers: Record<string, string> = {}, errorsFound?: unknown[]): void {
  send(
    response,
    status,
    { type: `https://stockflow.dev/problems/${status === 400 ? 'validation' : `http-${status}`}`, title, status, detail, ...(errorsFound ? { errors: errorsFound } : {}) },
    headers,
    'application/problem+json',
  );
}

