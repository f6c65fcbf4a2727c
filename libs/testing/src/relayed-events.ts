// Events a test puts on JetStream itself, as another context's relay would: the envelope every
// stockflow event travels in, on its subject, with `Nats-Msg-Id` = event id.
import type { JetStreamClient } from '@nats-io/jetstream';
import { relayHeaders } from '@stockflow/messaging/testing';
import { eventSubject, stockflowCatalog, type EventEnvelope } from '@stockflow/contracts';
import { randomUUID } from 'node:crypto';

/**
 * An envelope of `type` at its current schema version on `streamId`: position 1, now, a correlation of
 * its own and no cause or trace unless `fields` say otherwise.
 */
export function testEnvelope(type: string, data: unknown, streamId: string, fields: Partial<Omit<EventEnvelope, 'type' | 'data' | 'streamId'>> = {}): EventEnvelope {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: stockflowCatalog.currentVersion(type),
    streamId,
    streamPosition: 1,
    globalPosition: 1,
    occurredAt: new Date().toISOString(),
    correlationId: randomUUID(),
    causationId: null,
    traceparent: null,
    data,
    ...fields,
  };
}

/** Publishes `envelope` on `<namespace>.<context>.<aggregate>.<type>`; a `msgId` other than the event id redelivers it. */
export async function publishAsRelay(js: JetStreamClient, namespace: string, context: string, aggregate: string, envelope: EventEnvelope, msgId = envelope.eventId): Promise<void> {
  await js.publish(eventSubject(context, aggregate, envelope.type, { namespace }), JSON.stringify(envelope), { msgID: msgId, headers: relayHeaders(envelope.globalPosition) });
}
