import { Type } from '@sinclair/typebox';
import { defineEvent, EventCatalog } from '@stockflow/contracts';
import { randomUUID } from 'node:crypto';
import type { EventToAppend } from '../event-store.js';

export const CounterIncremented = defineEvent({
  type: 'CounterIncremented',
  context: 'contract',
  aggregate: 'counter',
  description: 'Test event of the event store contract suite.',
  versions: [{ version: 1, schema: Type.Object({ n: Type.Integer() }, { additionalProperties: false }) }],
});

export const contractTestCatalog = new EventCatalog([CounterIncremented]);

export function counterEvent(n: number, overrides: Partial<EventToAppend> = {}): EventToAppend {
  return {
    eventId: randomUUID(),
    type: 'CounterIncremented',
    schemaVersion: 1,
    data: { n },
    correlationId: 'corr-1',
    causationId: null,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    ...overrides,
  };
}
