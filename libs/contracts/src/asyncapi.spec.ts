import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { parse, stringify } from 'yaml';
import { buildAsyncApiDocument } from './asyncapi.js';
import { allEventDefinitions } from './catalog.js';
import { ASYNCAPI_PATH, ASYNCAPI_VERSION } from './asyncapi-location.js';

const committedPath = resolve(process.cwd(), '../..', ASYNCAPI_PATH);

describe('AsyncAPI document', () => {
  const generated = buildAsyncApiDocument(allEventDefinitions, ASYNCAPI_VERSION);

  it('is valid AsyncAPI 3 according to @asyncapi/parser', async () => {
    const { document, diagnostics } = await new Parser().parse(stringify(generated));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.channels().length).toBe(allEventDefinitions.length);
  });

  it('is committed and up to date (run `npm run asyncapi` after changing an event)', () => {
    const committed = parse(readFileSync(committedPath, 'utf8'));
    expect(committed).toEqual(generated);
  });

  it('lists every event subject with its payload schema', () => {
    const channels = generated.channels as Record<string, { address: string }>;
    expect(channels['inventory.sku.BackInStock']?.address).toBe('inventory.sku.BackInStock');
    const messages = (generated.components as { messages: Record<string, { payload: { properties: { data: unknown } } }> }).messages;
    expect(messages['SkuRegistered.v1']).toBeDefined();
    expect(messages['SkuRegistered.v2']?.payload.properties.data).toMatchObject({ required: ['sku', 'name', 'lowStockThreshold'] });
  });
});
