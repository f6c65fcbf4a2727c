// The operator dashboard: serves the page (built by Vite into dist/public), relays the projections'
// query API and SSE stream under /api/views, and gathers every process's /metrics into one JSON
// answer at /api/health. With an identity provider configured, operators sign in first (OpenID
// Connect, operator-sign-in.ts) and every call on their behalf carries their own token. Like every process it answers /health/live, /health/ready (ready while the
// projections service it shows answers) and /metrics. A plain node:http server, not the platform's
// host: it has no schema, no event log, no NATS connection and no commands (ADR 0024).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import helmet from 'helmet';
import { TokenRejected } from '@stockflow/platform';
import { metricsTargets, type DashboardConfig } from './dashboard-config.js';
import { DashboardMetrics, routeOf } from './dashboard-metrics.js';
import { parseMetrics, summarize, WATCHED_METRICS, type ProcessHealth } from './metrics-text.js';
import { escapeHtml, failure, OperatorSignIn, page } from './operator-sign-in.js';
import { frameForPage, isPublicView, isSkuDetail, opaqueOrderKeys, skuDetailForPage, SseFrameFilter } from './public-views.js';

const securityHeaders = helmet({ contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } }, referrerPolicy: { policy: 'no-referrer' } });
const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), 'public');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export interface RunningDashboard {
  readonly url: string;
  stop(): Promise<void>;
}

/** `POST /api/admin/dead-letters/<consumer>/replay`: the dashboard's replay button (ADR 0036). */
const REPLAY_PATH = /^\/api\/admin\/dead-letters\/([a-z0-9-]{1,64})\/replay$/;
/** The header that makes a replay request one the page made. */
const ACTION_HEADER = 'x-stockflow-action';

/** Starts the dashboard; `port` overrides config.PORT (0: any free port); `handleSignals` (default true) stops it on SIGTERM/SIGINT. */
export async function startDashboard(config: DashboardConfig, options: { port?: number; handleSignals?: boolean } = {}): Promise<RunningDashboard> {
  const targets = metricsTargets(config);
  const projectionsUrl = config.PROJECTIONS_URL.replace(/\/$/, '');
  const metrics = new DashboardMetrics();
  // Bound once the server listens (the public URL defaults to the address it listens on).
  let signIn: OperatorSignIn | null = null;

  async function health(authorization: Record<string, string>): Promise<Record<string, ProcessHealth | { up: false }>> {
    const entries = await Promise.all(
      Object.entries(targets).map(async ([name, url]): Promise<[string, ProcessHealth | { up: false }]> => {
        try {
          const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(1000), headers: authorization });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          metrics.targetUp.set({ target: name }, 1);
          return [name, summarize(parseMetrics(await response.text(), WATCHED_METRICS))];
        } catch {
          metrics.targetUp.set({ target: name }, 0);
          return [name, { up: false }];
        }
      }),
    );
    return Object.fromEntries(entries);
  }

  /** Ready while the projections service, whose views the page shows, answers its own liveness check. */
  async function readiness(): Promise<{ ready: boolean; body: unknown }> {
    let projections: 'up' | 'down' = 'down';
    try {
      projections = (await fetch(`${projectionsUrl}/health/live`, { signal: AbortSignal.timeout(1000) })).ok ? 'up' : 'down';
    } catch {
      // stays down
    }
    metrics.projectionsUp.set(projections === 'up' ? 1 : 0);
    const details = { projections: { status: projections, url: projectionsUrl } };
    return projections === 'up' ? { ready: true, body: { status: 'ok', info: details, error: {}, details } } : { ready: false, body: { status: 'error', info: {}, error: details, details } };
  }

  const orderKeys = opaqueOrderKeys();

  /** Forwards a view: streamed, through an SSE frame `filter`, or (`rewrite`) a whole successful JSON body rewritten. */
  async function proxy(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    authorization: Record<string, string>,
    { filter = null, rewrite = null, method = 'GET' }: { filter?: SseFrameFilter | null; rewrite?: ((body: string) => string) | null; method?: 'GET' | 'POST' } = {},
  ): Promise<void> {
    const controller = new AbortController();
    request.once('close', () => controller.abort());
    try {
      const upstream = await fetch(`${projectionsUrl}${path}`, { method, signal: controller.signal, headers: { accept: request.headers.accept ?? '*/*', ...authorization } });
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-cache' });
      if (rewrite && upstream.ok) return void response.end(rewrite(await upstream.text()));
      if (!upstream.body) return void response.end();
      const body = Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream).on('error', () => response.end());
      if (!filter) return void body.pipe(response);
      body.setEncoding('utf8');
      body.on('data', (chunk: string) => {
        const out = filter.push(chunk);
        if (out) response.write(out);
      });
      body.on('end', () => response.end());
    } catch {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ title: 'projections unavailable' }));
    }
  }

  const server = createServer((request, response) => {
    // helmet's headers, as on every service (ADR 0025): a strict CSP (the page loads only its own
    // files), no framing, no sniffing, no referrer.
    securityHeaders(request, response, () => undefined);
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const route = routeOf(url.pathname);
    response.once('finish', () => metrics.requests.inc({ route, status: String(response.statusCode) }));
    if (url.pathname === '/health/live') return void json(response, 200, { status: 'ok', info: { process: { status: 'up' } }, error: {}, details: { process: { status: 'up' } } });
    if (url.pathname === '/health/ready') {
      // As on every service: anonymous callers get the verdict, operators and scrapers the details.
      return void Promise.all([readiness(), scraper(request)]).then(([{ ready, body }, caller]) =>
        json(response, ready ? 200 : 503, caller === 'allowed' ? body : { status: ready ? 'ok' : 'error' }),
      );
    }
    if (url.pathname === '/metrics') {
      return void scraper(request).then(async (caller) => {
        if (caller !== 'allowed') return scrapeRefused(response, caller);
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(await metrics.registry.metrics());
      });
    }
    if (signIn && url.pathname.startsWith('/auth/')) return void signInRoute(signIn, url.pathname, request, response);
    void signedIn(request, response, url.pathname).then((operator) => {
      if (!operator) return;
      const authorization: Record<string, string> = operator.token ? { authorization: `Bearer ${operator.token}` } : {};
      if (url.pathname === '/api/me') return json(response, 200, { subject: operator.subject, signedIn: operator.token !== null });
      if (url.pathname === '/api/health') return void health(authorization).then((body) => json(response, 200, body));
      if (route === '/api/views/stream') {
        metrics.streamClients.inc();
        response.once('close', () => metrics.streamClients.dec());
      }
      const replay = REPLAY_PATH.exec(url.pathname);
      if (replay) {
        // An operator's action, not a read: a POST that a page of another site cannot make (it cannot set this header without CORS).
        if (request.method !== 'POST' || request.headers[ACTION_HEADER] !== 'replay') {
          return json(response, 403, { type: 'about:blank', title: 'Forbidden', status: 403, detail: `replay is a POST with ${ACTION_HEADER}: replay` }, 'application/problem+json');
        }
        return void proxy(request, response, `/admin/dead-letters/${replay[1]}/replay`, authorization, { method: 'POST' });
      }
      if (url.pathname.startsWith('/api/views')) {
        // Only what the page shows, and a live stream without customers: an operator's page is no way into customers' views.
        const path = url.pathname.slice(4);
        if (!isPublicView(path)) return json(response, 404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'not a view the dashboard shows' }, 'application/problem+json');
        if (path === '/views/stream') return void proxy(request, response, path + url.search, authorization, { filter: new SseFrameFilter((frame) => frameForPage(frame, orderKeys)) });
        if (isSkuDetail(path)) return void proxy(request, response, path, authorization, { rewrite: (body) => skuDetailForPage(body, orderKeys) });
        return void proxy(request, response, path + url.search, authorization);
      }
      serveStatic(url.pathname, response);
    });
  });

  /** Whether a request may read `/metrics` and readiness details: an operator's or a scraper's token (or no identity provider at all). */
  async function scraper(request: IncomingMessage): Promise<'allowed' | 'anonymous' | 'forbidden'> {
    if (!signIn) return 'allowed';
    const caller = await signIn.bearerOf(request).catch(() => null);
    if (!caller) return 'anonymous';
    return caller.scopes.has('operator') || caller.scopes.has('metrics') ? 'allowed' : 'forbidden';
  }

  /**
   * The operator a request comes from, or null once the response said why there is none: a page
   * sends the browser to sign in, an API call answers 401 (403 for someone who is not an operator).
   * Without an identity provider (development, `--no-auth`) everyone is an operator.
   */
  async function signedIn(request: IncomingMessage, response: ServerResponse, path: string): Promise<{ subject: string; token: string | null } | null> {
    if (!signIn) return { subject: 'development', token: null };
    const api = path.startsWith('/api/');
    let found;
    try {
      found = await signIn.sessionOf(request);
    } catch (error) {
      const detail = error instanceof TokenRejected ? error.message : 'the session could not be checked';
      if (api) json(response, 503, { type: 'about:blank', title: 'Service Unavailable', status: 503, detail }, 'application/problem+json');
      else failure(response, 503, `Signing in is not possible right now: ${detail}.`);
      return null;
    }
    if (found.state === 'operator') return { subject: found.session.caller.subject, token: found.session.token };
    if (found.state === 'not-operator') {
      const detail = `${found.subject} is signed in but is not an operator`;
      if (api) json(response, 403, { type: 'about:blank', title: 'Forbidden', status: 403, detail }, 'application/problem+json');
      else failure(response, 403, `${detail}; the dashboard is for operators.`);
      return null;
    }
    if (api) json(response, 401, { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'sign in at /auth/login' }, 'application/problem+json');
    else {
      response.writeHead(302, { location: '/auth/login', 'cache-control': 'no-store' });
      response.end();
    }
    return null;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.PORT, config.HOST, () => resolve());
  });
  const url = `http://${config.HOST}:${(server.address() as AddressInfo).port}`;
  // Set in the same turn as the listen callback that resolved the promise above: no request can be
  // handled before it (connections are I/O events, handled only after this microtask).
  if (config.AUTH_ISSUER && config.AUTH_CLIENT_ID && config.AUTH_CLIENT_SECRET) {
    signIn = new OperatorSignIn({
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      clientId: config.AUTH_CLIENT_ID,
      clientSecret: config.AUTH_CLIENT_SECRET,
      publicUrl: config.PUBLIC_URL ?? url,
    });
  }
  console.log(JSON.stringify({ level: 'info', service: 'dashboard', msg: 'dashboard listening', url }));
  let stopped: Promise<void> | undefined;
  const running: RunningDashboard = {
    url,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
  if (options.handleSignals ?? true) {
    const onSignal = (): void => void running.stop().then(() => process.exit(0));
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return running;
}

function scrapeRefused(response: ServerResponse, caller: 'anonymous' | 'forbidden'): void {
  if (caller === 'forbidden') return json(response, 403, { type: 'about:blank', title: 'Forbidden', status: 403, detail: '/metrics is for operators and scrapers (scope operator or metrics)' }, 'application/problem+json');
  response.setHeader('www-authenticate', 'Bearer realm="stockflow"');
  json(response, 401, { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'a bearer token with scope operator or metrics is required' }, 'application/problem+json');
}

function signInRoute(signIn: OperatorSignIn, path: string, request: IncomingMessage, response: ServerResponse): void {
  const fail = (error: unknown): void => failure(response, 503, `The identity provider could not be reached (${error instanceof Error ? error.message : String(error)}).`);
  if (path === '/auth/login' && request.method === 'GET') return void signIn.begin(request, response).catch(fail);
  if (path === '/auth/callback' && request.method === 'GET') return void signIn.complete(request, response).catch(fail);
  // A POST, so that no link or prefetch signs anyone out.
  if (path === '/auth/logout' && request.method === 'POST') return signIn.signOut(response);
  if (path === '/auth/signed-out' && request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    return void response.end(page('signed out', `<p>${escapeHtml('You are signed out of the dashboard.')}</p><p><a href="/auth/login">Sign in</a></p>`));
  }
  json(response, 404, { type: 'about:blank', title: 'Not Found', status: 404, detail: `no ${request.method} ${path}` }, 'application/problem+json');
}

function json(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' });
  response.end(JSON.stringify(body));
}

function serveStatic(path: string, response: ServerResponse): void {
  const file = normalize(join(PUBLIC, path === '/' ? 'index.html' : path));
  if (!file.startsWith(PUBLIC) || !existsSync(file) || !statSync(file).isFile()) {
    response.writeHead(404, { 'content-type': 'text/plain' });
    return void response.end('not found');
  }
  response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(response);
}
