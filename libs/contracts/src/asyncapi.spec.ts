import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { parse, stringify } from 'yaml';
import { buildAsyncApiDocument } from './asyncapi.js';
import { allEventDefinitions } from './catalog.js';
import { ASYNCAPI_PATH, ASYNCAPI_RELEASES_DIR, ASYNCAPI_VERSION } from './asyncapi-location.js';
import { catalogGateProblems, type CatalogRelease } from './catalog-releases.js';
import { EVENT_CONSUMERS } from './consumers.js';

const committedPath = resolve(process.cwd(), '../..', ASYNCAPI_PATH);
const releasesDir = resolve(process.cwd(), '../..', ASYNCAPI_RELEASES_DIR);

function releases(): CatalogRelease[] {
  return readdirSync(releasesDir)
    .filter((file) => /^\d+\.\d+\.\d+\.yaml$/.test(file))
    .map((file) => ({ version: file.replace(/\.yaml$/, ''), document: parse(readFileSync(resolve(releasesDir, file), 'utf8')) as Record<string, unknown> }));
}

describe('AsyncAPI document', () => {
  const generated = buildAsyncApiDocument(allEventDefinitions, ASYNCAPI_VERSION);

  it('is valid AsyncAPI 3 according to @asyncapi/parser', async () => {
    const { document, diagnostics } = await new Parser().parse(stringify(generated));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document).toBeDefined();
    // One channel per event, one dead-letter channel per consumer, the append nudge and the live inbox.
    expect(document!.channels().length).toBe(allEventDefinitions.length + EVENT_CONSUMERS.length + 2);
  });

  it('is committed and up to date (run `npm run asyncapi` after changing an event)', () => {
    const committed = parse(readFileSync(committedPath, 'utf8'));
    expect(committed).toEqual(generated);
  });

  it('breaks no event version of the last released catalog, and is versioned apart from it if it changed (ADR 0035)', () => {
    const kept = releases();
    expect(kept.map((r) => r.version)).toContain('1.1.0');
    expect(catalogGateProblems(generated, kept)).toEqual([]);
  });

  it('says who publishes and who consumes each event, and where dead letters go', () => {
    const operations = generated.operations as Record<string, { action: string; channel: { $ref: string }; 'x-stockflow-consumer'?: { durable: string; deadLetters: string } }>;
    expect(operations['publishBackInStock']).toMatchObject({ action: 'send', channel: { $ref: '#/channels/inventory.sku.BackInStock' } });
    expect(operations['notifier-inventory.receiveBackInStock']).toMatchObject({
      action: 'receive',
      channel: { $ref: '#/channels/inventory.sku.BackInStock' },
      'x-stockflow-consumer': { durable: 'notifier-inventory', deadLetters: 'dlq.notifier-inventory' },
    });
    const channels = generated.channels as Record<string, { address: string }>;
    for (const consumer of EVENT_CONSUMERS) expect(channels[`dlq.${consumer.durable}`]?.address).toBe(`dlq.${consumer.durable}`);
    expect(channels['appendNudge']?.address).toBe('_appended.{schema}');
    expect(channels['liveInbox']?.address).toBe('live.notifications.inbox.{customerToken}');
    // Every event a consumer handles is published by someone.
    const published = new Set(Object.values(operations).filter((o) => o.action === 'send').map((o) => o.channel.$ref));
    for (const operation of Object.values(operations).filter((o) => o['x-stockflow-consumer'])) expect(published).toContain(operation.channel.$ref);
  });

  it('lists every event subject with its payload schema', () => {
    const channels = generated.channels as Record<string, { address: string }>;
    expect(channels['inventory.sku.BackInStock']?.address).toBe('inventory.sku.BackInStock');
    const messages = (generated.components as { messages: Record<string, { payload: { properties: { data: unknown } } }> }).messages;
    expect(messages['SkuRegistered.v1']).toBeDefined();
    expect(messages['SkuRegistered.v2']?.payload.properties.data).toMatchObject({ required: ['sku', 'name', 'lowStockThreshold'] });
  });
});
