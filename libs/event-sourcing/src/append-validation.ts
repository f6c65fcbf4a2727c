import type { EventCatalog } from '@stockflow/contracts';
import type { EventToAppend } from './event-store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every adapter checks appends the same way: a UUID event id and a payload its contract accepts. */
export function assertAppendable(catalog: EventCatalog, streamId: string, events: readonly EventToAppend[]): void {
  if (!streamId || streamId.length > 200) throw new RangeError(`invalid stream id "${streamId}"`);
  if (events.length === 0) throw new RangeError('append needs at least one event');
  for (const event of events) {
    if (!UUID.test(event.eventId)) throw new RangeError(`eventId must be a UUID, got "${event.eventId}"`);
    catalog.validate(event.type, event.schemaVersion, event.data);
  }
}
