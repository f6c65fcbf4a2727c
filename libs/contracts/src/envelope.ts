/**
 * The one envelope every stockflow event travels in: in the event store, on JetStream and at
 * every consumer. `data` holds the payload whose shape the event catalog defines per
 * (`type`, `schemaVersion`).
 */
export interface EventEnvelope<TType extends string = string, TData = unknown> {
  readonly eventId: string;
  readonly type: TType;
  readonly schemaVersion: number;
  readonly streamId: string;
  /** 1-based position of the event in its stream. */
  readonly streamPosition: number;
  /**
   * Unique position in the store's global log. It identifies an event; delivery order is the
   * log order (see ADR 0002), which a PostgreSQL store does not promise to be sorted by this number.
   */
  readonly globalPosition: number;
  /** ISO-8601 instant at which the event was appended. */
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** W3C trace context of the request that caused the event. */
  readonly traceparent: string | null;
  readonly data: TData;
}

/** Headers that carry envelope fields on a JetStream message (the body is the whole envelope). */
export const EnvelopeHeaders = {
  eventType: 'Stockflow-Event-Type',
  schemaVersion: 'Stockflow-Schema-Version',
  logPosition: 'Stockflow-Log-Position',
  correlationId: 'Stockflow-Correlation-Id',
  traceparent: 'traceparent',
} as const;

/** A log position as the relays write it in `Stockflow-Log-Position` (PostgreSQL `<xid8>:<global position>`, EventStoreDB `<commit>:<prepare>`). */
const LOG_POSITION = /^\d{1,20}:\d{1,20}$/;

export function isLogPosition(value: string | null | undefined): value is string {
  return typeof value === 'string' && LOG_POSITION.test(value);
}
