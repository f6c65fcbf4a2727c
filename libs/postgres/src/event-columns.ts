import type { EventToAppend } from '@stockflow/event-sourcing';

/**
 * Events as the column arrays the append statements `unnest`: one array a column, one parameter
 * each, however many events (a fixed statement text that PostgreSQL prepares once).
 */
export class EventColumns {
  readonly ids: string[] = [];
  readonly types: string[] = [];
  readonly versions: number[] = [];
  readonly data: string[] = [];
  readonly correlationIds: string[] = [];
  readonly causationIds: (string | null)[] = [];
  readonly traceparents: (string | null)[] = [];

  static of(events: readonly EventToAppend[]): EventColumns {
    const columns = new EventColumns();
    for (const event of events) columns.push(event);
    return columns;
  }

  push(event: EventToAppend): void {
    this.ids.push(event.eventId);
    this.types.push(event.type);
    this.versions.push(event.schemaVersion);
    this.data.push(JSON.stringify(event.data));
    this.correlationIds.push(event.correlationId);
    this.causationIds.push(event.causationId);
    this.traceparents.push(event.traceparent);
  }

  /** The arrays in the statements' parameter order, after whatever parameters come first. */
  values(): unknown[] {
    return [this.ids, this.types, this.versions, this.data, this.correlationIds, this.causationIds, this.traceparents];
  }
}
