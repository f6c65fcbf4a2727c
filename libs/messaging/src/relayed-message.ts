import type { StoredMsg } from '@nats-io/jetstream';
import { EnvelopeHeaders, type SubjectScheme } from '@stockflow/contracts';
import type { EventStore } from '@stockflow/event-sourcing';
import { subjectForEvent } from './event-message.js';

/** Longest stream id a message may name before it is looked up (the contracts' ids are far shorter). */
const MAX_STREAM_ID_LENGTH = 512;

/**
 * The log position of a message on a context's stream when that message is one of the relay's
 * own: its `Stockflow-Log-Position` and `Nats-Msg-Id` headers name an event of the log (same event
 * id at that position, on the subject the relay gives it); null for anything else — a foreign
 * client's message, a malformed one, a copy with a forged position. Headers alone prove nothing
 * (any client can set them), so the event is read back from the log by its stream id and position.
 */
export async function relayedLogPosition(message: StoredMsg, store: Pick<EventStore, 'readStream'>, context: string, scheme: SubjectScheme): Promise<string | null> {
  const position = message.header?.get(EnvelopeHeaders.logPosition);
  const msgId = message.header?.get('Nats-Msg-Id');
  if (!position || !msgId) return null;
  const claimed = parseEnvelopeAddress(message);
  if (!claimed || claimed.eventId !== msgId) return null;
  const { events } = await store.readStream(claimed.streamId, { fromPosition: claimed.streamPosition, maxCount: 1 });
  const event = events[0];
  if (!event || event.streamPosition !== claimed.streamPosition || event.eventId !== msgId || event.logPosition !== position) return null;
  return subjectForEvent(context, event, scheme) === message.subject ? position : null;
}

function parseEnvelopeAddress(message: StoredMsg): { eventId: string; streamId: string; streamPosition: number } | null {
  let body: unknown;
  try {
    body = message.json();
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const { eventId, streamId, streamPosition } = body as Record<string, unknown>;
  if (typeof eventId !== 'string' || typeof streamId !== 'string' || streamId.length === 0 || streamId.length > MAX_STREAM_ID_LENGTH) return null;
  if (typeof streamPosition !== 'number' || !Number.isSafeInteger(streamPosition) || streamPosition < 1) return null;
  return { eventId, streamId, streamPosition };
}
