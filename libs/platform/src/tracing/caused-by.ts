import type { EventMetadata } from '@stockflow/event-sourcing';
import { newTraceparent } from './trace-context.js';

/** The envelope fields that say who caused an event (any received or recorded event has them). */
export interface CausingEvent {
  readonly eventId: string;
  readonly correlationId: string;
  readonly traceparent: string | null;
}

/**
 * Metadata of events appended in reaction to `event`: caused by it, in its correlation and its
 * trace. An event without a trace starts one, so no event goes out without it.
 */
export function causedBy(event: CausingEvent): EventMetadata {
  return { correlationId: event.correlationId, causationId: event.eventId, traceparent: event.traceparent ?? newTraceparent() };
}
