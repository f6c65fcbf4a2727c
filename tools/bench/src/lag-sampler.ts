// Samples relay and consumer lag from every process's Prometheus /metrics while load runs; keeps the
// maximum of each series, and reads throughput counters (events appended, published, handled).
import { send } from './http-client.js';
import { parseMetrics, sumOf, type MetricSample } from './prometheus-text.js';

/** The lag gauges of libs/platform (relays, consumers) and of the projections engine. */
const LAG_GAUGES = ['relay_lag_events', 'consumer_lag_messages', 'projection_lag_events', 'projection_lag_seconds'] as const;

/** Totals across the system at one moment (for rates over an interval). */
export interface ThroughputCounters {
  readonly at: number;
  readonly eventsAppended: number;
  readonly relayPublished: number;
  readonly consumerHandled: number;
  readonly projectionApplied: number;
}

export class LagSampler {
  /** Maximum seen per `process metric{label}` since the last `reset`. */
  private maxima = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private sampling = false;

  constructor(
    private readonly targets: Record<string, string>,
    /** Headers of every scrape (an operator's or a scraper's token: /metrics is not public). */
    private readonly headers: Record<string, string> = {},
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  reset(): void {
    this.maxima = new Map();
  }

  /** The maxima since the last reset, highest first; zero series are left out. */
  maximaSinceReset(): { series: string; max: number }[] {
    return [...this.maxima]
      .filter(([, max]) => max > 0)
      .map(([series, max]) => ({ series, max }))
      .sort((a, b) => b.max - a.max);
  }

  /** The largest relay lag (events) and consumer lag (messages) since the last reset. */
  worst(): { relayEvents: number; consumerMessages: number; projectionMs: number } {
    let relayEvents = 0;
    let consumerMessages = 0;
    let projectionMs = 0;
    for (const [series, max] of this.maxima) {
      if (series.includes(' relay_lag_events')) relayEvents = Math.max(relayEvents, max);
      else if (series.includes(' consumer_lag_messages')) consumerMessages = Math.max(consumerMessages, max);
      else if (series.includes(' projection_lag_seconds')) projectionMs = Math.max(projectionMs, max * 1000);
    }
    return { relayEvents, consumerMessages, projectionMs };
  }

  async counters(): Promise<ThroughputCounters> {
    const all = (await this.scrape()).flatMap(([, samples]) => samples);
    return {
      at: Date.now(),
      eventsAppended: sumOf(all, 'events_appended_total'),
      relayPublished: sumOf(all, 'relay_published_total'),
      consumerHandled: sumOf(all, 'consumer_handled_total'),
      projectionApplied: sumOf(all, 'projection_events_applied_total'),
    };
  }

  /**
   * Waits until no relay, consumer or projection has anything pending in two samples in a row (or
   * `timeoutMs` passed); returns what is still pending.
   */
  async settle(timeoutMs: number): Promise<number> {
    const until = Date.now() + timeoutMs;
    let quiet = 0;
    for (;;) {
      const all = (await this.scrape()).flatMap(([, samples]) => samples);
      const pending = sumOf(all, 'relay_lag_events') + sumOf(all, 'consumer_lag_messages') + sumOf(all, 'projection_lag_events');
      quiet = pending === 0 ? quiet + 1 : 0;
      if (quiet >= 2 || Date.now() > until) return pending;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Every process's samples now (an unreachable one has none). */
  async scrape(): Promise<[string, MetricSample[]][]> {
    return Promise.all(
      Object.entries(this.targets).map(async ([name, url]): Promise<[string, MetricSample[]]> => {
        try {
          const answer = await send('GET', `${url}/metrics`, undefined, this.headers);
          return [name, answer.status === 200 ? parseMetrics(String(answer.body)) : []];
        } catch {
          return [name, []];
        }
      }),
    );
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      for (const [name, samples] of await this.scrape()) {
        for (const s of samples) {
          if (!(LAG_GAUGES as readonly string[]).includes(s.name)) continue;
          const label = s.labels.consumer ?? s.labels.projection;
          const key = `${name} ${s.name}${label ? `{${label}}` : ''}`;
          this.maxima.set(key, Math.max(this.maxima.get(key) ?? 0, s.value));
        }
      }
    } finally {
      this.sampling = false;
    }
  }
}
