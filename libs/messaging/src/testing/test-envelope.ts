import { randomUUID } from 'node:crypto';

/** An event envelope as a relay publishes it, with a fresh event id. */
export function testEnvelope(type: string, data: unknown, schemaVersion = 1): Record<string, unknown> {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion,
    streamId: 'sku-X',
    streamPosition: 1,
    globalPosition: 1,
    occurredAt: new Date().toISOString(),
    correlationId: 'c',
    causationId: null,
    traceparent: null,
    data,
  };
}
