// The operator dashboard: serves the page (built by Vite into dist/public), relays the projections'
// query API and SSE stream under /api/views, and gathers every process's /metrics into one JSON
// answer at /api/health. Like every process it answers /health/live, /health/ready (ready while the
// projections service it shows answers) and /metrics. A plain node:http server, not the platform's
// host: it has no schema, no event log, no NATS connection and no commands (ADR 0024).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ClientCredentialsTokens } from '@stockflow/platform';
import { metricsTargets, type DashboardConfig } from './dashboard-config.js';
import { DashboardMetrics, routeOf } from './dashboard-metrics.js';
import { parseMetrics, summarize, WATCHED_METRICS, type ProcessHealth } from './metrics-text.js';
import { frameForPage, isPublicView, opaqueOrderKeys, SseFrameFilter } from './public-views.js';

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), 'public');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export interface RunningDashboard {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the dashboard; `port` overrides config.PORT (0: any free port); `handleSignals` (default true) stops it on SIGTERM/SIGINT. */
export async function startDashboard(config: DashboardConfig, options: { port?: number; handleSignals?: boolean } = {}): Promise<RunningDashboard> {
  const targets = metricsTargets(config);
  const projectionsUrl = config.PROJECTIONS_URL.replace(/\/$/, '');
  const metrics = new DashboardMetrics();
  // The dashboard is an operator client of the APIs it shows (ADR 0026).
  const tokens =
    config.AUTH_ISSUER && config.AUTH_CLIENT_ID && config.AUTH_CLIENT_SECRET
      ? new ClientCredentialsTokens({ issuer: config.AUTH_ISSUER, clientId: config.AUTH_CLIENT_ID, clientSecret: config.AUTH_CLIENT_SECRET, scope: 'operator' })
      : null;
  const authorization = async (): Promise<Record<string, string>> => (tokens ? tokens.headers() : {});

  async function health(): Promise<Record<string, ProcessHealth | { up: false }>> {
    const entries = await Promise.all(
      Object.entries(targets).map(async ([name, url]): Promise<[string, ProcessHealth | { up: false }]> => {
        try {
          const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(1000), headers: await authorization() });
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

  async function proxy(request: IncomingMessage, response: ServerResponse, path: string, filter: SseFrameFilter | null = null): Promise<void> {
    const controller = new AbortController();
    request.once('close', () => controller.abort());
    try {
      const upstream = await fetch(`${projectionsUrl}${path}`, { signal: controller.signal, headers: { accept: request.headers.accept ?? '*/*', ...(await authorization()) } });
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-cache' });
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
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const route = routeOf(url.pathname);
    response.once('finish', () => metrics.requests.inc({ route, status: String(response.statusCode) }));
    if (url.pathname === '/health/live') return void json(response, 200, { status: 'ok', info: { process: { status: 'up' } }, error: {}, details: { process: { status: 'up' } } });
    if (url.pathname === '/health/ready') return void readiness().then(({ ready, body }) => json(response, ready ? 200 : 503, body));
    if (url.pathname === '/metrics') {
      return void metrics.registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(text);
      });
    }
    if (url.pathname === '/api/health') return void health().then((body) => json(response, 200, body));
    if (route === '/api/views/stream') {
      metrics.streamClients.inc();
      response.once('close', () => metrics.streamClients.dec());
    }
    if (url.pathname.startsWith('/api/views')) {
      // Only what the page shows: the dashboard's operator token must not open every customer's views to its visitors.
      const path = url.pathname.slice(4);
      if (!isPublicView(path)) return void json(response, 404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'not a view the dashboard shows' }, 'application/problem+json');
      return void proxy(request, response, path + url.search, path === '/views/stream' ? new SseFrameFilter((frame) => frameForPage(frame, orderKeys)) : null);
    }
    serveStatic(url.pathname, response);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.PORT, config.HOST, () => resolve());
  });
  const url = `http://${config.HOST}:${(server.address() as AddressInfo).port}`;
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
