import type { SubjectScheme } from '@stockflow/contracts';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';

/**
 * Core NATS (not JetStream) subject on which a service says "the log in this schema has new
 * events", so the schema's relay reads now instead of at its next poll. A hint only: a lost nudge
 * costs one poll interval, never an event. Outside every context's `<context>.>` stream subjects.
 */
export function appendNudgeSubject(schema: string, scheme: SubjectScheme = {}): string {
  return scheme.namespace ? `${scheme.namespace}._appended.${schema}` : `_appended.${schema}`;
}

/** A callback for the event store's `onAppended`: publishes one empty nudge per committed append. */
export function publishAppendNudge(nc: NatsConnection, schema: string, scheme: SubjectScheme = {}): () => void {
  const subject = appendNudgeSubject(schema, scheme);
  return () => {
    if (!nc.isClosed()) nc.publish(subject);
  };
}

/** Calls `wake` on every nudge for `schema`. */
export function onAppendNudge(nc: NatsConnection, schema: string, scheme: SubjectScheme, wake: () => void): Subscription {
  return nc.subscribe(appendNudgeSubject(schema, scheme), { callback: () => wake() });
}
