import type { EventDefinition } from './event-definition.js';

/**
 * The JetStream subject scheme: `[<namespace>.]<context>.<aggregate>.<EventType>`, one stream
 * per context capturing `<context>.>`. The optional namespace isolates test runs and tenants
 * that share one NATS server.
 */
export interface SubjectScheme {
  readonly namespace?: string;
  /**
   * How many servers of a NATS cluster keep each stream the system provisions (`NATS_STREAM_REPLICAS`:
   * 1 by default, 3 in a three-node cluster). Not part of any subject: it travels with the scheme
   * because every place that provisions a stream already has it.
   */
  readonly streamReplicas?: number;
}

export function contextSubjectPrefix(context: string, scheme: SubjectScheme = {}): string {
  return scheme.namespace ? `${scheme.namespace}.${context}` : context;
}

export function eventSubject(context: string, aggregate: string, eventType: string, scheme: SubjectScheme = {}): string {
  return `${contextSubjectPrefix(context, scheme)}.${aggregate}.${eventType}`;
}

export function subjectOf(definition: EventDefinition, scheme: SubjectScheme = {}): string {
  return eventSubject(definition.context, definition.aggregate, definition.type, scheme);
}

/** Stream name owning a context's events, e.g. `INVENTORY_EVENTS` (namespaced: `T1_INVENTORY_EVENTS`). */
export function contextStreamName(context: string, scheme: SubjectScheme = {}): string {
  const base = `${context.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_EVENTS`;
  return scheme.namespace ? `${scheme.namespace.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${base}` : base;
}

/** Stream category of a stream id: `sku-ABC-1` → `sku`. */
export function streamCategory(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}
