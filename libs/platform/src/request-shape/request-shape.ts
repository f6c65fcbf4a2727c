import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isStorableText } from '@stockflow/contracts';
import { versionFromIfMatch } from '../http-conventions/entity-tag.js';
import { ProblemDetailsException, ProblemTypes, type FieldError } from '../problem-details/problem-details.js';

/**
 * Deepest nesting of objects and arrays a request body may have (the body itself is level 1).
 * Every stockflow body is at most 3 deep; mapping a body thousands deep into classes overflows the
 * stack (class-transformer recurses), so it is refused before any mapping.
 */
export const DEFAULT_MAX_BODY_DEPTH = 32;

/**
 * Keys refused anywhere in a body, whatever the endpoint: they name JavaScript's object machinery,
 * not data. Fastify refuses `__proto__` (and `constructor.prototype`) while parsing; the rest
 * would be dropped silently by the object mapper (`constructor`) or reach the validator unevenly.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface RequestShapeOptions {
  /** Deepest accepted body nesting; default `DEFAULT_MAX_BODY_DEPTH`. */
  readonly maxBodyDepth?: number;
}

/**
 * The platform's request-shape guard (ADR 0027): one Fastify `preValidation` hook — after the body
 * is parsed, before Nest maps or validates anything — that refuses with 400 problem+json
 * - path parameters, query parameters, header-borne `If-Match`, body keys and body strings that
 *   PostgreSQL cannot store (NUL, unpaired surrogates), free text included;
 * - a body nested deeper than `maxBodyDepth` (checked without recursion);
 * - `__proto__`, `constructor` and `prototype` keys anywhere in a body;
 * - a malformed `If-Match` on any route (one entity tag as sent in `ETag`, or `*`).
 * Identifiers get their stricter rule (`isIdentifier` of the contracts) from each DTO's validator.
 */
export function installRequestShapeGuard(fastify: FastifyInstance, options: RequestShapeOptions = {}): void {
  const maxDepth = options.maxBodyDepth ?? DEFAULT_MAX_BODY_DEPTH;
  fastify.addHook('preValidation', (request, _reply, done) => {
    try {
      checkRequestShape(request, maxDepth);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}

/** Throws the 400 problem for the first shape the request breaks (all text errors of a part together). */
export function checkRequestShape(request: Pick<FastifyRequest, 'params' | 'query' | 'body' | 'headers'>, maxDepth = DEFAULT_MAX_BODY_DEPTH): void {
  const errors: FieldError[] = [];
  checkFlat(request.params, 'path', errors);
  checkFlat(request.query, 'query', errors);
  const ifMatch = request.headers['if-match'];
  if (ifMatch !== undefined) versionFromIfMatch(ifMatch);
  if (errors.length > 0) throw invalid(errors);
  checkBody(request.body, maxDepth, errors);
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

/** Walks the body with an explicit stack: a body deeper than `maxDepth` is refused before it is walked further. */
function checkBody(body: unknown, maxDepth: number, errors: FieldError[]): void {
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
        detail: `The request body is nested deeper than ${maxDepth} levels.`,
      });
    }
    const isArray = Array.isArray(value);
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
