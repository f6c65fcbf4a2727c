import { ContractViolation, type EventCatalog, type EventEnvelope } from '@stockflow/contracts';
import type { DeadLetterReason } from '@stockflow/messaging';
import type { ProjectedEvent } from '../domain/index.js';

export type Decoded =
  | { readonly ok: true; readonly event: ProjectedEvent & { readonly eventId: string } }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly error: unknown };

const decoder = new TextDecoder();

/** Parses a message body as an envelope and upcasts its payload to the current version (validated). */
export function decodeEnvelope(catalog: EventCatalog, body: Uint8Array): Decoded {
  try {
    const raw = JSON.parse(decoder.decode(body)) as Partial<EventEnvelope>;
    if (!raw || typeof raw !== 'object' || typeof raw.eventId !== 'string' || typeof raw.type !== 'string' || typeof raw.schemaVersion !== 'number') {
      throw new Error('not an event envelope (eventId, type and schemaVersion are required)');
    }
    const { data } = catalog.upcast(raw.type, raw.schemaVersion, raw.data);
    return { ok: true, event: { eventId: raw.eventId, type: raw.type, data, occurredAt: String(raw.occurredAt), streamId: String(raw.streamId) } };
  } catch (error) {
    return { ok: false, reason: error instanceof ContractViolation ? error.reason : 'malformed-message', error };
  }
}
