import { describe, expect, it } from '@jest/globals';
import { parseMetrics, summarize, WATCHED_METRICS } from './metrics-text.js';

describe('metrics text', () => {
  it('picks the watched samples and sums dead letters', () => {
    const text = [
      '# HELP relay_lag_events x',
      'relay_lag_events 3',
      'relay_leader 1',
      'consumer_lag_messages{consumer="a"} 7',
      'dead_letters_total{consumer="a",reason="invalid-payload"} 2',
      'dead_letters_total{consumer="b",reason="malformed-message"} 1',
      'projection_lag_events{projection="stock"} 4',
      'projection_lag_seconds{projection="stock"} 0.12',
      'process_cpu_seconds_total 9',
      'http_server_request_duration_seconds_count{method="POST",route="/orders",status_code="201"} 40',
      'http_server_request_duration_seconds_count{method="POST",route="/orders",status_code="400"} 3',
      'http_server_request_duration_seconds_count{method="GET",route="/orders/:id",status_code="200"} 90',
      'http_server_request_duration_seconds_count{method="DELETE",route="/orders/:id",status_code="204"} 2',
      'events_appended_total{stream_category="order"} 70',
      'events_appended_total{stream_category="ordersaga"} 30',
    ].join('\n');
    expect(summarize(parseMetrics(text, WATCHED_METRICS))).toEqual({
      up: true,
      commands: 42,
      eventsAppended: 100,
      relayLag: 3,
      consumerLag: { a: 7 },
      deadLetters: 3,
      projectionLag: { stock: { events: 4, ms: 120 } },
    });
  });

  it('reports a relay lag only for the process that runs its context\'s relay (ADR 0043)', () => {
    const standby = ['relay_lag_events 0', 'relay_leader 0'].join('\n');
    expect(summarize(parseMetrics(standby, WATCHED_METRICS)).relayLag).toBeNull();
    expect(summarize(parseMetrics('consumer_lag_messages{consumer="a"} 1', WATCHED_METRICS)).relayLag).toBeNull();
  });
});
