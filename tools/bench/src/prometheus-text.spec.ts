import { describe, expect, it } from '@jest/globals';
import { histogramQuantiles, parseMetrics, sumOf } from './prometheus-text.js';

const exposition = `# HELP consumer_lag_messages Messages pending for a consumer.
# TYPE consumer_lag_messages gauge
consumer_lag_messages{consumer="orders-saga-orders"} 3
consumer_lag_messages{consumer="orders-from-carts"} 4
events_appended_total{stream_category="order"} 120
events_appended_total{stream_category="ordersaga"} 880
notifier_delivery_latency_seconds_bucket{le="0.05",channel="web"} 50
notifier_delivery_latency_seconds_bucket{le="0.1",channel="web"} 98
notifier_delivery_latency_seconds_bucket{le="0.25",channel="web"} 100
notifier_delivery_latency_seconds_bucket{le="+Inf",channel="web"} 100
notifier_delivery_latency_seconds_bucket{le="0.05",channel="sms"} 1
notifier_delivery_latency_seconds_bucket{le="+Inf",channel="sms"} 2
label_with_quote{path="a\\"b"} 1
`;

describe('the Prometheus text the bench reads', () => {
  const samples = parseMetrics(exposition);

  it('reads every sample with its labels, skipping comments', () => {
    expect(samples).toHaveLength(11);
    expect(samples[0]).toEqual({ name: 'consumer_lag_messages', labels: { consumer: 'orders-saga-orders' }, value: 3 });
    expect(samples.find((s) => s.name === 'label_with_quote')!.labels.path).toBe('a\\"b');
  });

  it('sums series, all or those matching labels', () => {
    expect(sumOf(samples, 'consumer_lag_messages')).toBe(7);
    expect(sumOf(samples, 'events_appended_total', { stream_category: 'ordersaga' })).toBe(880);
    expect(sumOf(samples, 'no_such_metric')).toBe(0);
  });

  it('finds the buckets holding a histogram series\' 50th and 99th percentiles', () => {
    expect(histogramQuantiles(samples, 'notifier_delivery_latency_seconds', { channel: 'web' })).toEqual({ p50: 0.05, p99: 0.25, count: 100 });
    expect(histogramQuantiles(samples, 'notifier_delivery_latency_seconds', { channel: 'sms' })).toEqual({ p50: 0.05, p99: Infinity, count: 2 });
    expect(histogramQuantiles(samples, 'notifier_delivery_latency_seconds', { channel: 'email' })).toBeNull();
  });
});
