import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** What operators scrape from the dashboard process: its own runtime, requests, live viewers and what it can see. */
export class DashboardMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames: ['route', 'status'] as const, registers: [this.registry] });
  readonly streamClients = new Gauge({ name: 'dashboard_stream_clients', help: 'Browsers connected to the live stream', registers: [this.registry] });
  readonly targetUp = new Gauge({
    name: 'dashboard_target_up',
    help: '1 when the process answered its /metrics on the last look, else 0',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });
  readonly projectionsUp = new Gauge({ name: 'dashboard_projections_up', help: '1 when the projections service answered the last readiness check', registers: [this.registry] });

  constructor() {
    this.registry.setDefaultLabels({ service: 'dashboard' });
    collectDefaultMetrics({ register: this.registry });
  }
}

/** The route label for a path: fixed names, so a scan of odd URLs cannot grow the label set. */
export function routeOf(pathname: string): string {
  if (pathname === '/metrics' || pathname === '/health/live' || pathname === '/health/ready' || pathname === '/api/health') return pathname;
  if (pathname === '/api/views/stream') return '/api/views/stream';
  if (pathname.startsWith('/api/views')) return '/api/views';
  if (pathname.startsWith('/api/admin/dead-letters/')) return '/api/admin/dead-letters/:consumer/replay';
  return 'static';
}
