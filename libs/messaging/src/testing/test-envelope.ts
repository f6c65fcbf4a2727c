import { headers, type MsgHdrs } from '@nats-io/nats-core';
import { EnvelopeHeaders } from '@stockflow/contracts';
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

/** The headers a relay puts on every event it publishes; consumers dead-letter messages without its log position. */
export function relayHeaders(globalPosition = 1): MsgHdrs {
  const h = headers();
  h.set(EnvelopeHeaders.logPosition, `1:${globalPosition}`);
  return h;
}
