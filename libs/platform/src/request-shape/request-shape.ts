import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { isStorableText } from '@stockflow/contracts';
import { versionFromIfMatch } from '../http-conventions/entity-tag.js';
import { ProblemDetailsException, ProblemTypes, type FieldError } from '../problem-details/problem-details.js';
import { declaredBounds, DEFAULT_REQUEST_BOUNDS, REQUEST_BOUNDS_CONFIG_KEY, requestBoundsOf, type RequestBounds } from './request-bounds.js';
import { declaredQueryKeysOf } from './declared-query.js';

/**
 * Keys refused anywhere in a body, whatever the endpoint: they name JavaScript's object machinery,
 * not data. Fastify refuses `__proto__` (and `constructor.prototype`) while parsing; the rest
 * would be dropped silently by the object mapper (`constructor`) or reach the validator unevenly.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The service's defaults for every route that declares no bounds of its own (`@BoundedRequest`). */
export interface RequestShapeOptions {
  /** Deepest accepted body nesting; default `DEFAULT_MAX_BODY_DEPTH` (32). */
  readonly maxBodyDepth?: number;
  /** Most items in any one array of a body; default 100. */
  readonly maxArrayItems?: number;
  /** Largest body in bytes; default 16 KiB (`createService`'s `bodyLimit`). */
  readonly maxBodyBytes?: number;
}

/** The bounds the walk of a body checks. */
export type ShapeBounds = Pick<RequestBounds, 'maxDepth' | 'maxArrayItems'>;

/**
 * The platform's request-shape guard (ADR 0027, with the request bounds of ADR 0022).
 * When a route is registered it gets its bounds — its own (`@BoundedRequest`) over the service's
 * defaults — and its body limit from them: Fastify refuses a larger declared `Content-Length` with
 * 413 before reading the body, and cuts a body without one off at the limit. Then one Fastify
 * `preValidation` hook — after the body is parsed, before Nest maps or validates anything, and before
 * the Idempotency-Key claim — walks the request once and refuses
 * - with 400 problem+json: path parameters, query parameters, header-borne `If-Match`, body keys and
 *   body strings that PostgreSQL cannot store (NUL, unpaired surrogates), free text included;
 *   a body nested deeper than the route's `maxDepth` (checked without recursion); `__proto__`,
 *   `constructor` and `prototype` keys anywhere in a body; a malformed `If-Match` on any route (one
 *   entity tag as sent in `ETag`, or `*`); a query parameter the route does not declare (its
 *   `@Query()` DTO's properties, its `@Query('name')`s, `ticket` on `@AcceptsStreamTicket` routes;
 *   `declareQueryParameters` puts them in the route's config), whether or not it has a query DTO;
 * - with 413 problem+json: an array longer than the route's `maxArrayItems`, before its items are walked.
 * A 413 sent before the body was read whole closes the connection (the rest is not read).
 * Identifiers get their stricter rule (`isIdentifier` of the contracts) from each DTO's validator.
 */
export function installRequestShapeGuard(fastify: FastifyInstance, options: RequestShapeOptions = {}): void {
  const defaults: RequestBounds = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_REQUEST_BOUNDS.maxBodyBytes,
    maxArrayItems: options.maxArrayItems ?? DEFAULT_REQUEST_BOUNDS.maxArrayItems,
    maxDepth: options.maxBodyDepth ?? DEFAULT_REQUEST_BOUNDS.maxDepth,
  };
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const bounds: RequestBounds = { ...defaults, ...declaredBounds(route.config) };
    route.bodyLimit ??= bounds.maxBodyBytes;
    route.config = { ...(route.config as object | undefined), [REQUEST_BOUNDS_CONFIG_KEY]: bounds } as RouteOptions['config'];
  });
  // A body refused before it was read whole (its declared length, or the bytes so far, over the
  // limit): the connection closes after the 413 instead of reading and discarding the rest, so an
  // oversized upload costs the service no more than its headers (ADR 0022).
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode === 413 && !request.raw.complete) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    try {
      checkRequestShape(request, requestBoundsOf(request) ?? defaults, declaredQueryKeysOf(request.routeOptions.config));
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}

/**
 * Throws the 400 problem for the first shape the request breaks (all text errors of a part together).
 * `queryKeys`: the query parameters the route declares; any other is refused. `null` or undefined:
 * the route's query is not checked (a handler taking the whole query untyped, a route outside Nest).
 */
export function checkRequestShape(
  request: Pick<FastifyRequest, 'params' | 'query' | 'body' | 'headers'>,
  bounds: ShapeBounds = DEFAULT_REQUEST_BOUNDS,
  queryKeys?: readonly string[] | null,
): void {
  const errors: FieldError[] = [];
  checkFlat(request.params, 'path', errors);
  checkFlat(request.query, 'query', errors);
  if (queryKeys) checkQueryKeys(request.query, queryKeys, errors);
  const ifMatch = request.headers['if-match'];
  if (ifMatch !== undefined) versionFromIfMatch(ifMatch);
  if (errors.length > 0) throw invalid(errors);
  checkBody(request.body, bounds, errors);
  if (errors.length > 0) throw invalid(errors);
}

const UNSTORABLE = 'must not contain NUL or unpaired surrogate characters';

function checkFlat(values: unknown, part: 'path' | 'query', errors: FieldError[]): void {
  if (!values || typeof values !== 'object') return;
  for (const [name, value] of Object.entries(values)) {
    const texts = Array.isArray(value) ? value : [value];
    if (!isStorableText(name) || texts.some((text) => typeof text === 'string' && !isStorableText(text))) {
      errors.push({ field: isStorableText(name) ? name : `${part}:${JSON.stringify(name)}`, messages: [`${part} parameter ${UNSTORABLE}`] });
    }
  }
}

/** A query parameter the route does not declare: named as the validation pipe names an unknown field. */
function checkQueryKeys(query: unknown, declared: readonly string[], errors: FieldError[]): void {
  if (!query || typeof query !== 'object') return;
  for (const name of Object.keys(query)) {
    if (declared.includes(name) || !isStorableText(name)) continue;
    errors.push({ field: name, messages: [`property ${name} should not exist`] });
    if (errors.length >= 20) return;
  }
}

/**
 * Walks the body with an explicit stack: a body deeper than `maxDepth`, or an array longer than
 * `maxArrayItems`, is refused before it is walked further.
 */
function checkBody(body: unknown, { maxDepth, maxArrayItems }: ShapeBounds, errors: FieldError[]): void {
  if (typeof body === 'string') {
    if (!isStorableText(body)) errors.push({ field: '$', messages: [`the body ${UNSTORABLE}`] });
    return;
  }
  if (!body || typeof body !== 'object') return;
  const stack: { value: object; path: string; depth: number }[] = [{ value: body, path: '', depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (depth > maxDepth) {
      throw new ProblemDetailsException({
        status: 400,
        type: ProblemTypes.malformedRequest,
        title: 'Malformed request body',
        code: 'too-deep',
        detail: `The request body is nested deeper than ${maxDepth} levels.`,
      });
    }
    const isArray = Array.isArray(value);
    if (isArray && value.length > maxArrayItems) {
      throw new ProblemDetailsException({
        status: 413,
        type: ProblemTypes.payloadTooLarge,
        title: 'Request body too large',
        code: 'too-many-items',
        detail: `${path || 'The body'} has ${value.length} items; at most ${maxArrayItems} are accepted.`,
      });
    }
    for (const [key, child] of Object.entries(value)) {
      const field = isArray ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (!isArray && FORBIDDEN_KEYS.has(key)) {
        errors.push({ field, messages: [`property ${key} should not exist`] });
        continue;
      }
      if (!isArray && !isStorableText(key)) {
        errors.push({ field: JSON.stringify(field), messages: [`a property name ${UNSTORABLE}`] });
        continue;
      }
      if (typeof child === 'string') {
        if (!isStorableText(child)) errors.push({ field, messages: [`${key} ${UNSTORABLE}`] });
      } else if (child && typeof child === 'object') {
        stack.push({ value: child, path: field, depth: depth + 1 });
      }
    }
    if (errors.length >= 20) return;
  }
}

function invalid(errors: readonly FieldError[]): ProblemDetailsException {
  return new ProblemDetailsException({
    status: 400,
    type: ProblemTypes.validation,
    title: 'Request validation failed',
    detail: `${errors.length === 1 ? 'One field is' : `${errors.length} fields are`} invalid: ${errors.map((e) => e.field).join(', ')}.`,
    errors,
  });
}
