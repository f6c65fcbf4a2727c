import { describe, expect, it } from '@jest/globals';
import { parseMetrics, summarize, WATCHED_METRICS } from './metrics-text.js';

describe('metrics text', () => {
  it('picks the watched samples and sums dead letters', () => {
    const text = [
      '# HELP relay_lag_events x',
      'relay_lag_events 3',
      'consumer_lag_messages{consumer="a"} 7',
      'dead_letters_total{consumer="a",reason="invalid-payload"} 2',
      'dead_letters_total{consumer="b",reason="malformed-message"} 1',
      'projection_lag_events{projection="stock"} 4',
      'projection_lag_milliseconds{projection="stock"} 120',
      'process_cpu_seconds_total 9',
    ].join('\n');
    expect(summarize(parseMetrics(text, WATCHED_METRICS))).toEqual({
      up: true,
      relayLag: 3,
      consumerLag: { a: 7 },
      deadLetters: 3,
      projectionLag: { stock: { events: 4, ms: 120 } },
    });
  });
});
