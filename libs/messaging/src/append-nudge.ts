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

/**
 * A callback for the event store's `onAppended`: publishes a nudge at once, then at most one more
 * per `windowMs` while appends keep coming (the last one always leads to a nudge). Every nudge is a
 * socket write here and a read in the relay (about 50 µs per loopback write on the benchmark machine);
 * under load the relay polls every 20 ms anyway, so a nudge matters only for the first append after
 * a quiet spell, which it carries at once.
 */
export function publishAppendNudge(nc: NatsConnection, schema: string, scheme: SubjectScheme = {}, windowMs = 20): () => void {
  const subject = appendNudgeSubject(schema, scheme);
  let lastAt = -Infinity;
  let trailing: NodeJS.Timeout | null = null;
  const publish = (): void => {
    lastAt = performance.now();
    try {
      if (!nc.isClosed()) nc.publish(subject);
    } catch {
      // Draining at shutdown: a hint only, the relay's poll finds the events anyway.
    }
  };
  return () => {
    if (trailing) return;
    const since = performance.now() - lastAt;
    if (since >= windowMs) publish();
    else
      trailing = setTimeout(() => {
        trailing = null;
        publish();
      }, windowMs - since);
  };
}

/** Calls `wake` on every nudge for `schema`. */
export function onAppendNudge(nc: NatsConnection, schema: string, scheme: SubjectScheme, wake: () => void): Subscription {
  return nc.subscribe(appendNudgeSubject(schema, scheme), { callback: () => wake() });
}
