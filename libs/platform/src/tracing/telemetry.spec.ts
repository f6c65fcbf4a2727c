// The process's OpenTelemetry (ADR 0037) seen from a consumer's handler: outside any HTTP request,
// log lines carry the active span's ids, and what a handler appends names that span as its parent.
import { describe, expect, it } from '@jest/globals';
import { activeTraceparent, inSpan, SpanKind } from '@stockflow/messaging';
import { Writable } from 'node:stream';
import { createServiceLogger } from '../logging/logger.js';
import { causedBy } from './caused-by.js';
import { installTelemetry } from './telemetry.js';

describe('telemetry in a consumer', () => {
  it('puts the active span in every log line and in the metadata of what the handler appends', async () => {
    const telemetry = installTelemetry('telemetry-spec', {});
    expect(telemetry.exporting).toBe(false);
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    const logger = createServiceLogger({ service: 'telemetry-spec', destination });
    const published = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const seen = await inSpan('process BackInStock', SpanKind.CONSUMER, published, {}, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.info('handling');
      return { own: activeTraceparent(), metadata: causedBy({ eventId: 'e-1', correlationId: 'c-1', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01' }) };
    });
    const [, traceId, spanId] = seen.own!.split('-');
    expect(traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(spanId).not.toBe('00f067aa0ba902b7');
    expect(lines).toEqual([expect.objectContaining({ msg: 'handling', traceId, spanId })]);
    expect(seen.metadata).toEqual({ correlationId: 'c-1', causationId: 'e-1', traceparent: seen.own });
    logger.info('outside');
    expect(lines[1]).not.toHaveProperty('traceId');
    await telemetry.shutdown();
  });
});
