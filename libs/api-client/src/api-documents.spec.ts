// The committed OpenAPI documents are what the code describes, pass Redocly's recommended rules
// with nothing to report, and the generated client types are theirs; the response check of the
// client refuses an answer the document does not describe. (The documents proven by a client on
// the running system: tools/system-tests/src/api-client-journey.spec.ts.)
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ContractMismatch, responseValidator } from './api-client.js';
import { API_SERVICES, apiDocument, apiDocumentPath } from './api-documents.js';
import { generatedTypes } from './generated-types.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const STALE_HINT = 'run `npm run openapi` and commit docs/openapi and libs/api-client/src/generated';

describe('the OpenAPI documents', () => {
  it.each(API_SERVICES)('docs/openapi/%s.yaml is what the controllers describe', (service) => {
    const check = spawnSync(process.execPath, [`apps/${service}/dist/openapi.js`, '--check', apiDocumentPath(service)], { cwd: root, encoding: 'utf8' });
    expect([check.status, check.stderr.trim(), STALE_HINT]).toEqual([0, '', STALE_HINT]);
  });

  it('pass Redocly lint (recommended rules) with no error and no warning', () => {
    const started = Date.now();
    const lint = spawnSync(process.execPath, [fileURLToPath(new URL('../../../node_modules/@redocly/cli/bin/cli.js', import.meta.url)), 'lint', '--format=json'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    // One JSON report per document, one after the other.
    const reports = lint.stdout
      .split(/(?<=\})\s*(?=\{\s*"totals")/)
      .map((text) => JSON.parse(text) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string }> });
    expect(reports).toHaveLength(API_SERVICES.length);
    expect(reports.flatMap((report) => report.problems.map((p) => `${p.ruleId}: ${p.message}`))).toEqual([]);
    for (const report of reports) expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(lint.status).toBe(0);
    console.log(`redocly lint of ${API_SERVICES.length} documents: ${Date.now() - started} ms`);
  }, 60_000);

  it.each(API_SERVICES)('the client types of %s are generated from its document', async (service) => {
    const committed = readFileSync(new URL(`./generated/${service}.ts`, import.meta.url), 'utf8');
    expect([(await generatedTypes(service)) === committed, STALE_HINT]).toEqual([true, STALE_HINT]);
  });
});

describe('the client holds answers against the document', () => {
  const validator = responseValidator('orders', apiDocument('orders'));
  const answer = (status: number, body: unknown, contentType = 'application/json') =>
    validator.onResponse!({
      request: new Request('http://orders.test/orders/0b7e6a52-4d1f-4c8e-9a51-2f3d7c9e8b10'),
      response: new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } }),
      schemaPath: '/orders/{id}',
      params: {},
      id: 'x',
      options: {} as never,
    } as never);
  const order = { orderId: '0b7e6a52-4d1f-4c8e-9a51-2f3d7c9e8b10', customerId: 'customer-42', status: 'confirmed', lines: [{ sku: 'SKU-1', quantity: 1 }], version: 3 };

  it('lets a documented answer through', async () => {
    await expect(answer(200, order)).resolves.toBeUndefined();
  });

  it('reads nullable as "null or the schema", also for a nullable reference', async () => {
    const document = {
      openapi: '3.0.0',
      paths: { '/orders/{id}': { get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Holder' } } } } } } } },
      components: {
        schemas: {
          Window: { type: 'object', required: ['start'], properties: { start: { type: 'string' } } },
          Holder: { type: 'object', required: ['window'], properties: { window: { nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/Window' }] } } },
        },
      },
    };
    const nullable = responseValidator('orders', document);
    const call = (body: unknown) =>
      nullable.onResponse!({
        request: new Request('http://orders.test/orders/1'),
        response: new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }),
        schemaPath: '/orders/{id}',
      } as never);
    await expect(call({ window: null })).resolves.toBeUndefined();
    await expect(call({ window: { start: '22:00' } })).resolves.toBeUndefined();
    await expect(call({ window: { end: '06:00' } })).rejects.toThrow(ContractMismatch);
  });

  it('refuses a body the schema does not allow, a status the operation does not list and an undocumented media type', async () => {
    await expect(answer(200, { ...order, status: 'shipped' })).rejects.toThrow(ContractMismatch);
    await expect(answer(200, { ...order, orderId: undefined })).rejects.toThrow(/orderId/);
    await expect(answer(418, { title: 'teapot' })).rejects.toThrow(/lists no such status/);
    await expect(answer(200, order, 'application/xml+json')).rejects.toThrow(/answered application\/xml\+json/);
  });
});
