import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@stockflow/platform';
import { Counter, Gauge, Histogram } from 'prom-client';

/** The notifier's own series, in the service's registry (served at /metrics with the platform's). */
@Injectable()
export class NotifierMetrics {
  /** `notifier_deliveries_total{channel,status}`: queued (planned), sent, failed (an attempt), dead, cancelled, held, capped (the recipient's daily cap). */
  readonly deliveries: Counter<'channel' | 'status'>;
  /** `notifier_delivery_latency_seconds{channel}`: from the stock event to the provider's accept (web: the inbox commit). */
  readonly latency: Histogram<'channel'>;
  /** `notifier_send_duration_seconds{channel,provider}`: one provider call. */
  readonly sendDuration: Histogram<'channel' | 'provider'>;
  /** `notifier_sms_failovers_total{from,to}`. */
  readonly failovers: Counter<'from' | 'to'>;
  /** `notifier_deliveries_resumed_total{channel}`: sends interrupted by a crash and resumed (the duplicate window). */
  readonly resumed: Counter<'channel'>;
  /** `notifier_deliveries_pending{channel}`: queued, failed-and-waiting, and sending rows. */
  readonly pending: Gauge<'channel'>;
  /** `notifier_waves_total` and `notifier_subscriptions_fulfilled_total`: back-in-stock fairness. */
  readonly waves: Counter;
  readonly fulfilled: Counter;

  constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.deliveries = new Counter({ name: 'notifier_deliveries_total', help: 'Delivery state changes, by channel and status.', labelNames: ['channel', 'status'] as const, registers });
    this.latency = new Histogram({
      name: 'notifier_delivery_latency_seconds',
      help: 'From the stock event to the provider accepting the message (web: the inbox row committed), by channel.',
      labelNames: ['channel'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400],
      registers,
    });
    this.sendDuration = new Histogram({
      name: 'notifier_send_duration_seconds',
      help: 'One call to a provider, by channel and provider.',
      labelNames: ['channel', 'provider'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.failovers = new Counter({ name: 'notifier_sms_failovers_total', help: 'SMS sends moved from a failing provider to the next.', labelNames: ['from', 'to'] as const, registers });
    this.resumed = new Counter({ name: 'notifier_deliveries_resumed_total', help: 'Sends interrupted (the sender died) and resent.', labelNames: ['channel'] as const, registers });
    this.pending = new Gauge({ name: 'notifier_deliveries_pending', help: 'Deliveries not yet sent, dead or cancelled, by channel.', labelNames: ['channel'] as const, registers });
    this.waves = new Counter({ name: 'notifier_waves_total', help: 'Back-in-stock waves planned.', registers });
    this.fulfilled = new Counter({ name: 'notifier_subscriptions_fulfilled_total', help: 'Back-in-stock subscriptions picked by a wave.', registers });
  }
}
