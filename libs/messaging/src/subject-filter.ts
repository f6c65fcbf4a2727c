import { subjectOf, type EventCatalog, type SubjectScheme } from '@stockflow/contracts';

/** Whether a NATS subject matches a filter with `*` (one token) and `>` (the rest) wildcards. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

/**
 * The narrowest filter a NATS 2.9 server takes for a consumer: when, within `scope`, the consumer
 * handles exactly one event type, that type's subject, so the server never delivers the events it
 * would only acknowledge and skip (each costs a delivery, a decode and an ack). With several types
 * the scope stays: one consumer with several filters needs NATS 2.10 (`filter_subjects`).
 */
export function narrowestFilter(scope: string | undefined, handledTypes: Iterable<string>, catalog: EventCatalog, scheme: SubjectScheme = {}): string | undefined {
  if (scope === undefined) return undefined;
  const handled = new Set(handledTypes);
  const subjects = catalog.definitions.filter((d) => handled.has(d.type)).map((d) => subjectOf(d, scheme)).filter((subject) => subjectMatches(scope, subject));
  return subjects.length === 1 ? subjects[0] : scope;
}
