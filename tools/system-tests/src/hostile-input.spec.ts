// Hostile input, on the whole system as `npm start` runs it (ADR 0027): every route of every
// service's OpenAPI document gets control, zero-width and bidi characters, NUL and lone surrogates
// in its path and query parameters and in every string of its body, JSON nested 100,000 deep,
// `prototype`/`constructor` fields and a garbage If-Match — and the examples issue 17 found
// reaching 500. Every answer must be a 4xx problem+json: zero 5xx, zero hangs.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestSystem, type TestSystem } from './test-system.js';

/** The services with an OpenAPI document, by process name. */
const SERVICES = ['orders', 'inventory', 'carts', 'notifications', 'notifier', 'projections'] as const;

interface Answer {
  readonly label: string;
  /** Whether the input must be refused (4xx); otherwise only no 5xx and no hang. */
  readonly refused: boolean;
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

type Schema = { $ref?: string; type?: string; format?: string; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[]; allOf?: Schema[]; example?: unknown };
type Operation = { parameters?: { name: string; in: string; schema?: Schema }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };
type OpenApi = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

const HOSTILE_SEGMENTS: Record<string, string> = {
  NUL: '%00',
  newline: 'a%0Ab',
  'control (ESC)': 'a%1Bb',
  'zero-width space': 'a%E2%80%8Bb',
  'zero-width joiner': 'a%E2%80%8Db',
  'bidi override': 'a%E2%80%AEb',
  'bidi isolate': 'a%E2%81%A6b',
  'byte-order mark': '%EF%BB%BFab',
};
/** Texts PostgreSQL cannot store, as JSON escapes (JSON.stringify keeps a lone surrogate escaped). */
const UNSTORABLE_TEXTS: Record<string, string> = { NUL: 'a\u0000b', 'lone surrogate': 'x\ud800y', 'lone low surrogate': '\udc00' };
const IDENTIFIER_TEXTS: Record<string, string> = {
  newline: 'a\nb',
  tab: 'a\tb',
  'control (BEL)': 'a\u0007b',
  'zero-width space': 'a\u200bb',
  'bidi override': 'a\u202eb',
  'right-to-left mark': 'a\u200fb',
};
const GARBAGE_IF_MATCH = ['garbage', '"not-a-version"', '1', '"1", "2"', 'W/'];

const deepArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
/** Bodies larger than every route's limit (16 KiB by default; ADR 0022). */
const OVERSIZED_BYTES = 64 * 1024;

const deepObjects = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('hostile input (every route of every service)', () => {
  let system: TestSystem;
  const answers: Answer[] = [];
  const urls = new Map<string, string>();

  beforeAll(async () => {
    system = await startTestSystem();
    for (const name of SERVICES) urls.set(name, system.system.url(name));
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function send(label: string, method: string, url: string, init: { body?: string; contentType?: string; headers?: Record<string, string>; refused?: boolean } = {}): Promise<Answer> {
    // A body over every route's limit is refused on its Content-Length before it is read, and the
    // connection is closed rather than drained (ADR 0022): a client still uploading may see the
    // socket close before it reads the 413. So such a request sends its headers and waits for the
    // answer — the refusal under test — without racing the upload.
    const answer = (init.body?.length ?? 0) > OVERSIZED_BYTES ? await sendHeadersOnly(label, method, url, init) : await sendOnce(label, method, url, init);
    answers.push(answer);
    return answer;
  }

  function sendHeadersOnly(label: string, method: string, url: string, init: { body?: string; contentType?: string; headers?: Record<string, string>; refused?: boolean }): Promise<Answer> {
    return new Promise((resolve) => {
      const request = httpRequest(url, {
        method: method.toUpperCase(),
        headers: { 'content-type': init.contentType ?? 'application/json', 'content-length': String(Buffer.byteLength(init.body ?? '')), ...init.headers },
        timeout: 10_000,
      });
      const fail = (why: string) => resolve({ label, refused: init.refused ?? true, status: 599, contentType: '', body: `no answer: ${why}` });
      request.on('timeout', () => {
        request.destroy();
        fail('timed out');
      });
      request.on('error', (error) => fail(error.message));
      request.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          resolve({ label, refused: init.refused ?? true, status: response.statusCode ?? 599, contentType: String(response.headers['content-type'] ?? ''), body: text.slice(0, 300) });
          request.destroy();
        });
      });
      request.flushHeaders();
    });
  }

  async function sendOnce(label: string, method: string, url: string, init: { body?: string; contentType?: string; headers?: Record<string, string>; refused?: boolean }): Promise<Answer> {
    let answer: Answer;
    try {
      const response = await fetch(url, {
        method: method.toUpperCase(),
        headers: { ...(init.body !== undefined ? { 'content-type': init.contentType ?? 'application/json' } : {}), ...init.headers },
        body: init.body,
        signal: AbortSignal.timeout(10_000),
      });
      answer = { label, refused: init.refused ?? true, status: response.status, contentType: response.headers.get('content-type') ?? '', body: (await response.text()).slice(0, 300) };
    } catch (error) {
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      answer = { label, refused: init.refused ?? true, status: 599, contentType: '', body: `no answer: ${(error as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}` };
    }
    return answer;
  }

  /** What went wrong: 5xx, no answer, input that had to be refused and was not, an error that is not problem+json. */
  const failures = (list: readonly Answer[]): Answer[] =>
    list.filter((a) => a.status >= 500 || (a.refused && a.status < 400) || (a.status >= 400 && !a.contentType.startsWith('application/problem+json')));

  const expectRefused = (answer: Answer, status = 400): void => {
    expect({ label: answer.label, status: answer.status, problem: answer.contentType.startsWith('application/problem+json') }).toEqual({
      label: answer.label,
      status,
      problem: true,
    });
  };

  describe('the examples that reached 500', () => {
    it('POST /orders with a NUL in customerId → 400', async () => {
      const body = JSON.stringify({ customerId: 'a\u0000b', lines: [{ sku: 'SKU-1', quantity: 1 }] });
      expectRefused(await send('POST /orders NUL customerId', 'post', `${urls.get('orders')}/orders`, { body }));
    });

    it('POST /skus/X/adjustments with a lone surrogate in reason → 400', async () => {
      const body = '{"delta":-1,"reason":"x\\ud800y"}';
      expectRefused(await send('POST adjustments lone surrogate', 'post', `${urls.get('inventory')}/skus/X/adjustments`, { body }));
    });

    it('GET /views/stock?cursor=%00 → 400', async () => {
      expectRefused(await send('GET /views/stock?cursor=%00', 'get', `${urls.get('projections')}/views/stock?cursor=%00`));
    });

    it('GET notifier /deliveries?customerId=%00 → 400', async () => {
      expectRefused(await send('GET /deliveries?customerId=%00', 'get', `${urls.get('notifier')}/deliveries?customerId=%00`));
    });

    it('customer ids with control, zero-width or bidi characters → 400 on every service that takes one', async () => {
      for (const [name, id] of Object.entries(IDENTIFIER_TEXTS)) {
        const line = [{ sku: 'SKU-1', quantity: 1 }];
        expectRefused(await send(`orders customerId ${name}`, 'post', `${urls.get('orders')}/orders`, { body: JSON.stringify({ customerId: id, lines: line }) }));
        expectRefused(await send(`carts customerId ${name}`, 'post', `${urls.get('carts')}/carts`, { body: JSON.stringify({ customerId: id }) }));
        expectRefused(await send(`subscriptions customerId ${name}`, 'post', `${urls.get('notifications')}/subscriptions`, { body: JSON.stringify({ customerId: id, sku: 'SKU-1' }) }));
        const segment = encodeURIComponent(id);
        expectRefused(await send(`preferences id ${name}`, 'get', `${urls.get('notifications')}/customers/${segment}/preferences`));
        expectRefused(await send(`customer orders view id ${name}`, 'get', `${urls.get('projections')}/views/customers/${segment}/orders`));
        expectRefused(await send(`deliveries customerId ${name}`, 'get', `${urls.get('notifier')}/deliveries?customerId=${segment}`));
      }
    });

    it('a prototype field is refused like any unknown field', async () => {
      const body = '{"customerId":"c-1","lines":[{"sku":"SKU-1","quantity":1}],"prototype":{"polluted":true}}';
      expectRefused(await send('POST /orders prototype', 'post', `${urls.get('orders')}/orders`, { body }));
      const nested = '{"customerId":"c-1","lines":[{"sku":"SKU-1","quantity":1,"prototype":1}]}';
      expectRefused(await send('POST /orders nested prototype', 'post', `${urls.get('orders')}/orders`, { body: nested }));
    });

    it('a garbage If-Match is refused, not ignored', async () => {
      const placed = await send('POST /orders valid', 'post', `${urls.get('orders')}/orders`, { body: JSON.stringify({ customerId: 'c-hostile', lines: [{ sku: 'SKU-1', quantity: 1 }] }), refused: false });
      expect(placed.status).toBe(202);
      const { orderId } = JSON.parse(placed.body) as { orderId: string };
      for (const ifMatch of GARBAGE_IF_MATCH) {
        expectRefused(await send(`cancel If-Match ${ifMatch}`, 'post', `${urls.get('orders')}/orders/${orderId}/cancel`, { body: '{}', headers: { 'if-match': ifMatch } }));
        expectRefused(await send(`GET order If-Match ${ifMatch}`, 'get', `${urls.get('orders')}/orders/${orderId}`, { headers: { 'if-match': ifMatch } }));
      }
    });
  });

  it('every route of every OpenAPI document refuses hostile input with 4xx problem+json', async () => {
    const started = performance.now();
    const before = answers.length;
    let routes = 0;
    for (const service of SERVICES) {
      const base = urls.get(service)!;
      const document = (await (await fetch(`${base}/docs-json`)).json()) as OpenApi;
      const resolve = (schema: Schema | undefined): Schema | undefined => {
        if (!schema) return undefined;
        if (schema.$ref) return resolve(document.components?.schemas?.[schema.$ref.split('/').pop()!]);
        if (schema.allOf) return Object.assign({}, ...schema.allOf.map(resolve)) as Schema;
        return schema;
      };
      const sample = (schema: Schema | undefined, depth = 0): unknown => {
        const s = resolve(schema);
        if (!s || depth > 6) return 'x';
        if (s.enum) return s.enum[0];
        if (s.example !== undefined) return s.example;
        if (s.type === 'object' || s.properties) return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, sample(v, depth + 1)]));
        if (s.type === 'array') return [sample(s.items, depth + 1)];
        if (s.type === 'integer' || s.type === 'number') return 1;
        if (s.type === 'boolean') return true;
        return 'x';
      };
      /** Every string leaf of `value`, as a path of keys. */
      const stringPaths = (value: unknown, path: (string | number)[] = []): (string | number)[][] => {
        if (typeof value === 'string') return [path];
        if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
        if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
        return [];
      };
      const withText = (value: unknown, path: (string | number)[], text: string): unknown => {
        if (path.length === 0) return text;
        const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
        copy[path[0]!] = withText(copy[path[0]!], path.slice(1), text);
        return copy;
      };

      for (const [template, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
          routes++;
          const label = (what: string) => `${service} ${method.toUpperCase()} ${template}: ${what}`;
          const pathParams = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
          const queryParams = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
          const fill = (hostile?: { name: string; segment: string }) =>
            template.replace(/\{([^}]+)\}/g, (_m, name: string) => (hostile?.name === name ? hostile.segment : 'SKU-1'));
          const path = fill();
          const hasBody = operation.requestBody?.content?.['application/json'] !== undefined;
          const body = hasBody ? sample(operation.requestBody!.content!['application/json']!.schema) : undefined;
          const validBody = hasBody ? JSON.stringify(body) : undefined;

          for (const name of pathParams) {
            for (const [what, segment] of Object.entries(HOSTILE_SEGMENTS)) {
              await send(label(`path ${name} ${what}`), method, `${base}${fill({ name, segment })}`, { body: validBody });
            }
          }
          for (const name of queryParams) {
            for (const [what, segment] of Object.entries(HOSTILE_SEGMENTS)) {
              await send(label(`query ${name} ${what}`), method, `${base}${path}?${name}=${segment}`, { body: validBody });
            }
          }
          // A parameter the route does not declare: text PostgreSQL cannot store is refused all the same.
          await send(label('query cursor NUL'), method, `${base}${path}?cursor=%00`, { body: validBody });
          await send(label('query name with NUL'), method, `${base}${path}?a%00b=1`, { body: validBody });
          for (const ifMatch of GARBAGE_IF_MATCH) {
            await send(label(`If-Match ${ifMatch}`), method, `${base}${path}`, { body: validBody, headers: { 'if-match': ifMatch } });
          }
          if (method === 'get' || method === 'delete') continue;
          await send(label('arrays nested 100,000 deep'), method, `${base}${path}`, { body: deepArrays(100_000) });
          await send(label('objects nested 100,000 deep'), method, `${base}${path}`, { body: deepObjects(100_000) });
          await send(label('objects nested 10,000 deep'), method, `${base}${path}`, { body: deepObjects(10_000) });
          if (!hasBody) continue;
          for (const key of ['prototype', 'constructor']) {
            const extended = JSON.stringify(body).replace(/^\{/, `{"${key}":{"polluted":true},`);
            await send(label(`${key} field`), method, `${base}${path}`, { body: extended });
          }
          for (const leaf of stringPaths(body)) {
            for (const [what, text] of Object.entries({ ...UNSTORABLE_TEXTS, ...IDENTIFIER_TEXTS })) {
              // Free text may hold a newline; only unstorable text must be refused in every field.
              const refused = what in UNSTORABLE_TEXTS;
              const answer = await send(label(`${leaf.join('.')} ${what}`), method, `${base}${path}`, { body: JSON.stringify(withText(body, leaf, text)), refused });
              // Text PostgreSQL cannot store never passes, whatever the field.
              if (what in UNSTORABLE_TEXTS) expect({ label: answer.label, status: answer.status }).toEqual({ label: answer.label, status: 400 });
            }
          }
        }
      }
    }
    const swept = answers.slice(before);
    const unanswered = swept.filter((a) => a.status === 599);
    const serverErrors = swept.filter((a) => a.status >= 500);
    console.log(
      `hostile input: ${swept.length} requests over ${routes} routes of ${SERVICES.length} services in ${Math.round(performance.now() - started)} ms; ` +
        `${serverErrors.length} 5xx, ${unanswered.length} without an answer; statuses ${JSON.stringify(countBy(swept.map((a) => a.status)))}`,
    );
    expect(routes).toBeGreaterThan(20);
    expect(serverErrors).toEqual([]);
    // Everything hostile is refused, not carried out, and every refusal is problem+json.
    expect(failures(swept)).toEqual([]);
    expect(failures(answers)).toEqual([]);
  });

  it('zero 5xx across every request of this test', () => {
    console.log(`hostile input: ${answers.length} requests in all, ${answers.filter((a) => a.status >= 500).length} 5xx`);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
  });
});

function countBy(values: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
