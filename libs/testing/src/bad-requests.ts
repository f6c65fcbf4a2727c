import type request from 'supertest';

type Agent = ReturnType<typeof request>;
type Response = Awaited<ReturnType<Agent['get']>>;

/** A JSON body over 1 MiB, so over every route's limit (16 KiB unless a route declares more, ADR 0022); `fields` are sent along (e.g. a valid-looking one). */
export function oversizedBody(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...fields, padding: 'x'.repeat(1024 * 1024 + 16) });
}

/** A request body sent as raw text with a content type (or none). */
export interface RawBody {
  readonly name: string;
  readonly contentType?: string;
  readonly body?: string;
  readonly status: number;
  /** The fields `errors` must name (omitted: the problem need not have `errors`). */
  readonly fields?: readonly string[];
}

/** Bodies that no JSON endpoint accepts, whatever its fields: the parser or the platform refuses them. */
export function unparseableBodies(): RawBody[] {
  return [
    { name: 'malformed JSON', contentType: 'application/json', body: '{"quantity": ', status: 400 },
    { name: 'truncated JSON string', contentType: 'application/json', body: '{"customerId": "abc', status: 400 },
    { name: 'empty body declared as JSON', contentType: 'application/json', body: '', status: 400 },
    { name: 'a __proto__ key', contentType: 'application/json', body: '{"__proto__": {"admin": true}}', status: 400 },
    { name: 'a body over 1 MiB', contentType: 'application/json', body: oversizedBody(), status: 413 },
    { name: 'XML', contentType: 'application/xml', body: '<request/>', status: 415 },
  ];
}

/** Sends `raw` with `method` to `path` of the service and returns the response. */
export function sendRaw(service: { http(): Agent }, method: 'post' | 'put' | 'delete', path: string, raw: Pick<RawBody, 'contentType' | 'body'>): Promise<Response> {
  let call = service.http()[method](path);
  if (raw.contentType) call = call.set('content-type', raw.contentType);
  return (raw.body === undefined ? call : call.send(raw.body)) as unknown as Promise<Response>;
}

/**
 * URL segments the router itself refuses before any handler: malformed percent-encoding → 400, a
 * parameter over Fastify's 100 characters → 414.
 */
export const routerRefusedSegments: readonly { readonly name: string; readonly segment: string; readonly status: number }[] = [
  { name: 'malformed percent-encoding', segment: '%E0%A4%A', status: 400 },
  { name: 'an encoded surrogate (invalid UTF-8)', segment: '%ED%A0%80', status: 400 },
  { name: 'a 101-character parameter', segment: 'a'.repeat(101), status: 414 },
];
