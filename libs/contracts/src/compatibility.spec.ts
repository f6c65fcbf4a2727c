// The breaking-change gate (ADR 0035) on copies of real events: a deliberately broken copy of a
// schema fails it, an additive change passes it.
import { describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import { buildAsyncApiDocument } from './asyncapi.js';
import { allEventDefinitions } from './catalog.js';
import { catalogGateProblems, eventSchemasOf } from './catalog-releases.js';
import { breakingChanges, publishedSchemas, readerSchema } from './compatibility.js';
import { defineEvent, type EventDefinition } from './event-definition.js';
import { SubscriptionKind } from './notifications/subscription-events.js';
import { Sku } from './vocabulary.js';

const released = { version: '1.1.0', document: buildAsyncApiDocument(allEventDefinitions, '1.1.0') };

/** The catalog with one definition replaced (or added) and the catalog version `version`. */
function catalogWith(definition: EventDefinition, version = '1.2.0'): Record<string, unknown> {
  const others = allEventDefinitions.filter((d) => d.type !== definition.type);
  return buildAsyncApiDocument([...others, definition], version);
}

const stockReceived = (schema: ReturnType<typeof Type.Object>) =>
  defineEvent({ type: 'StockReceived', context: 'inventory', aggregate: 'sku', description: 'Stock arrived.', versions: [{ version: 1, schema }] });

describe('the breaking-change gate', () => {
  it('passes the catalog against its own release, and fails a catalog that changed but kept its version', () => {
    expect(catalogGateProblems(released.document, [released])).toEqual([]);
    const additive = stockReceived(Type.Object({ sku: Sku, quantity: Type.Integer({ minimum: 1 }), note: Type.Optional(Type.String()) }, { additionalProperties: false }));
    expect(catalogGateProblems(catalogWith(additive, '1.1.0'), [released])).toEqual([expect.stringMatching(/bump ASYNCAPI_VERSION/)]);
  });

  it('passes additive changes: a new optional field, a new event type, a new version with an upcaster', () => {
    const optional = stockReceived(Type.Object({ sku: Sku, quantity: Type.Integer({ minimum: 1 }), note: Type.Optional(Type.String()) }, { additionalProperties: false }));
    expect(catalogGateProblems(catalogWith(optional), [released])).toEqual([]);
    const brandNew = defineEvent({ type: 'StockCounted', context: 'inventory', aggregate: 'sku', description: 'A count.', versions: [{ version: 1, schema: Type.Object({ sku: Sku }) }] });
    expect(catalogGateProblems(catalogWith(brandNew), [released])).toEqual([]);
    const original = allEventDefinitions.find((d) => d.type === 'StockReceived')!;
    const secondVersion = defineEvent({
      type: 'StockReceived',
      context: 'inventory',
      aggregate: 'sku',
      description: 'Stock arrived.',
      versions: [original.versions[0]!, { version: 2, schema: Type.Object({ sku: Sku, units: Type.Integer({ minimum: 1 }) }), upcastFromPrevious: (p) => ({ sku: (p as { sku: string }).sku, units: (p as { quantity: number }).quantity }) }],
    });
    expect(catalogGateProblems(catalogWith(secondVersion), [released])).toEqual([]);
  });

  it('fails a deliberately broken copy of a schema: removed, retyped and new required fields, each named with the way out', () => {
    const broken = stockReceived(Type.Object({ sku: Type.Integer(), count: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }));
    const problems = catalogGateProblems(catalogWith(broken), [released]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^StockReceived\.v1\.quantity: field removed/),
        expect.stringMatching(/^StockReceived\.v1\.sku: constraints changed/),
        expect.stringMatching(/^StockReceived\.v1\.count: new required field/),
      ]),
    );
    for (const problem of problems) expect(problem).toMatch(/new version with an upcaster/);
  });

  it('fails a narrowed or widened enum and a removed event version', () => {
    const subscription = (kind: ReturnType<typeof Type.Union>) =>
      defineEvent({
        type: 'SubscriptionCreated',
        context: 'notifications',
        aggregate: 'subscription',
        description: 'x',
        versions: [{ version: 1, schema: Type.Object({ ...(allEventDefinitions.find((d) => d.type === 'SubscriptionCreated')!.versions[0]!.schema as ReturnType<typeof Type.Object>).properties, kind }) }],
      });
    const before = publishedSchemas(allEventDefinitions);
    const kinds = (readerSchema(SubscriptionKind) as { enum?: string[]; anyOf?: Array<{ const: string }> }).anyOf?.map((k) => k.const) ?? [];
    expect(kinds.length).toBeGreaterThan(1);
    const narrowed = eventSchemasOf(catalogWith(subscription(Type.Union(kinds.slice(1).map((k) => Type.Literal(k))))));
    expect(breakingChanges(before, narrowed)).toEqual([expect.stringMatching(/^SubscriptionCreated\.v1\.kind: enum narrowed \(no longer back-in-stock\)/)]);
    const widened = eventSchemasOf(catalogWith(subscription(Type.Union([...kinds, 'restock-soon'].map((k) => Type.Literal(k))))));
    expect(breakingChanges(before, widened)).toEqual([expect.stringMatching(/^SubscriptionCreated\.v1\.kind: enum widened \(restock-soon/)]);
    const { ['SkuRegistered.v1']: _dropped, ...withoutV1 } = before;
    expect(breakingChanges(before, withoutV1)).toEqual([expect.stringMatching(/^SkuRegistered\.v1 was removed/)]);
  });

  it('publishes schemas readers tolerate: no additionalProperties: false anywhere', () => {
    expect(JSON.stringify(publishedSchemas(allEventDefinitions))).not.toContain('"additionalProperties":false');
  });
});
