import { headers, type MsgHdrs } from '@nats-io/nats-core';
import { EnvelopeHeaders, eventSubject, streamCategory, type EventEnvelope, type SubjectScheme } from '@stockflow/contracts';
import type { RecordedEvent } from '@stockflow/event-sourcing';

const encoder = new TextEncoder();

/** The JetStream subject of a stored event published by `context`. */
export function subjectForEvent(context: string, event: RecordedEvent, scheme: SubjectScheme): string {
  return eventSubject(context, streamCategory(event.streamId), event.type, scheme);
}

/** Message body: the envelope (the log position stays a header: it is the relay's, not the event's). */
export function encodeEnvelope(event: RecordedEvent): Uint8Array {
  const envelope: EventEnvelope = {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamId: event.streamId,
    streamPosition: event.streamPosition,
    globalPosition: event.globalPosition,
    occurredAt: event.occurredAt,
    correlationId: event.correlationId,
    causationId: event.causationId,
    traceparent: event.traceparent,
    data: event.data,
  };
  return encoder.encode(JSON.stringify(envelope));
}

/**
 * The message headers of a stored event. `traceparent` is the publishing span's (ADR 0037): the
 * envelope keeps the span that appended the event; consumers take the message's as their parent.
 */
export function eventHeaders(event: RecordedEvent, traceparent: string | null = event.traceparent): MsgHdrs {
  const h = headers();
  h.set(EnvelopeHeaders.eventType, event.type);
  h.set(EnvelopeHeaders.schemaVersion, String(event.schemaVersion));
  h.set(EnvelopeHeaders.logPosition, event.logPosition);
  h.set(EnvelopeHeaders.correlationId, event.correlationId);
  if (traceparent) h.set(EnvelopeHeaders.traceparent, traceparent);
  return h;
}
