import type { EventMetadata } from '@stockflow/event-sourcing';
import { activeTraceparent } from '@stockflow/messaging';
import { isValidTraceparent, newTraceparent } from './trace-context.js';

/** The envelope fields that say who caused an event (any received or recorded event has them). */
export interface CausingEvent {
  readonly eventId: string;
  readonly correlationId: string;
  readonly traceparent: string | null;
}

/**
 * Metadata of events appended in reaction to `event`: caused by it, in its correlation and its
 * trace — as children of the span handling it when there is one (a consumer's, ADR 0037), else of
 * the event's own. An event without a valid trace starts one, so no event goes out without it; one
 * without a correlation starts its own, named by its id.
 */
export function causedBy(event: CausingEvent): EventMetadata {
  return {
    correlationId: typeof event.correlationId === 'string' && event.correlationId !== '' ? event.correlationId : event.eventId,
    causationId: event.eventId,
    traceparent: activeTraceparent() ?? (isValidTraceparent(event.traceparent) ? event.traceparent : newTraceparent()),
  };
}
