import type { OpenAPIObject } from '@nestjs/swagger';
import { FIELD_EXAMPLES } from './field-examples.js';
import { PROBLEM_JSON, ProblemTypes, statusTitle } from '../problem-details/problem-details.js';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const PROBLEM_SCHEMA_REF = '#/components/schemas/ProblemDocument';

/** The answers the platform itself may give to any operation, whatever the route says (ADR 0027, 0028, 0019, 0025). */
const PLATFORM_RESPONSES: Readonly<Record<string, { status: string; description: string; type: string; detail: string; retryAfter?: boolean }>> = {
  BadRequest: {
    status: '400',
    description: 'The request is malformed or fails validation: an unknown query parameter, a field out of range, a body that is not JSON',
    type: ProblemTypes.validation,
    detail: 'The request has invalid fields; see errors',
  },
  Unauthorized: {
    status: '401',
    description: 'No bearer token, or one that is expired, not signed by the issuer or not for this audience',
    type: ProblemTypes.unauthorized,
    detail: 'A valid bearer token is required',
  },
  Forbidden: {
    status: '403',
    description: 'The token is valid but lacks the scope, or is another customer\u2019s',
    type: ProblemTypes.forbidden,
    detail: 'This caller may not do this',
  },
  TooManyRequests: {
    status: '429',
    description: 'The caller or its address is over its rate limit; retry after `Retry-After` seconds',
    type: ProblemTypes.tooManyRequests,
    detail: 'Rate limit exceeded; retry later',
    retryAfter: true,
  },
  ServiceUnavailable: {
    status: '503',
    description: 'PostgreSQL or NATS cannot be reached, or the service is stopping; nothing was done; retry after `Retry-After` seconds',
    type: ProblemTypes.dependencyUnavailable,
    detail: 'A dependency is unavailable; nothing was done; retry later',
    retryAfter: true,
  },
};

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: a repeat of the same request with the same key gets the first answer again; the same key with another request is 422; while the first is still running, 409 with Retry-After.',
  schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
  example: '5c0e6a8e-1f2d-4a52-9b8e-5b3c2f0f9d17',
};

/**
 * Adds what every stockflow service does on every route to the document, once for all services:
 * the platform's problem+json answers (400, 401/403 on secured routes, 429, 503) as shared
 * `components.responses`, and the `Idempotency-Key` header every POST of a service with an
 * idempotency store honours (all but the projections) as a shared
 * `components.parameters` entry (replacing any copy a controller declared itself); a route's own
 * error answers get the problem+json body; a shared field without an example gets the vocabulary's
 * (`FIELD_EXAMPLES`).
 */
export function applyHttpConventions(document: OpenAPIObject, options: { readonly idempotentPosts: boolean } = { idempotentPosts: true }): OpenAPIObject {
  const components = (document.components ??= {}) as Json;
  const responses = ((components['responses'] as Json | undefined) ?? {}) as Json;
  for (const [name, answer] of Object.entries(PLATFORM_RESPONSES)) responses[name] = problemResponse(answer);
  components['responses'] = responses;
  const parameters = ((components['parameters'] as Json | undefined) ?? {}) as Json;
  if (options.idempotentPosts) parameters['IdempotencyKey'] = IDEMPOTENCY_KEY;
  if (Object.keys(parameters).length > 0) components['parameters'] = parameters;
  const headers = ((components['headers'] as Json | undefined) ?? {}) as Json;
  headers['RetryAfter'] = { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 }, example: 2 };
  components['headers'] = headers;

  for (const schema of Object.values((components['schemas'] ?? {}) as Record<string, Json>)) fillExamples(schema);
  // Clients are generated against a base URL of their own: every service serves its API at its root.
  document.servers = [{ url: '/', description: 'The service itself: each stockflow service serves its API at the root of its own host and port' }];
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (pathItem as Record<string, Json | undefined>)[method];
      if (!operation) continue;
      const answers = ((operation['responses'] as Json | undefined) ?? {}) as Json;
      const secured = Array.isArray(operation['security']) && (operation['security'] as Json[]).some((requirement) => Object.keys(requirement).length > 0);
      const wanted = ['BadRequest', ...(secured ? ['Unauthorized', 'Forbidden'] : []), 'TooManyRequests', 'ServiceUnavailable'];
      for (const [status, answer] of Object.entries(answers)) {
        // A route's own 4xx/5xx answers are problem+json too, whether or not its decorator said so.
        if (Number(status) >= 400 && !('$ref' in (answer as Json)) && !(answer as Json)['content']) (answer as Json)['content'] = { [PROBLEM_JSON]: { schema: { $ref: PROBLEM_SCHEMA_REF } } };
      }
      for (const name of wanted) {
        const status = PLATFORM_RESPONSES[name]!.status;
        if (!(status in answers)) answers[status] = { $ref: `#/components/responses/${name}` };
      }
      for (const answer of Object.values(answers)) for (const media of Object.values(((answer as Json)['content'] ?? {}) as Record<string, Json>)) fillExamples((media['schema'] ?? {}) as Json);
      operation['responses'] = sortByStatus(answers);
      if (method === 'post' && options.idempotentPosts) {
        const own = ((operation['parameters'] as Json[] | undefined) ?? []).filter((p) => !(p['in'] === 'header' && String(p['name']).toLowerCase() === 'idempotency-key'));
        operation['parameters'] = [...own, { $ref: '#/components/parameters/IdempotencyKey' }];
      }
    }
  }
  return document;
}

function problemResponse(answer: (typeof PLATFORM_RESPONSES)[string]): Json {
  return {
    description: answer.description,
    ...(answer.retryAfter ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } } : {}),
    content: {
      [PROBLEM_JSON]: {
        schema: { $ref: PROBLEM_SCHEMA_REF },
        example: {
          type: answer.type,
          title: statusTitle(Number(answer.status)),
          status: Number(answer.status),
          detail: answer.detail,
          instance: '/example',
          correlationId: '0f3c2b7e9d4a4e1b',
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        },
      },
    },
  };
}

/** Gives each property of `schema` (inline ones too) named in the vocabulary its example, when its type fits and it has none. */
function fillExamples(schema: Json): void {
  for (const key of ['allOf', 'oneOf', 'anyOf'] as const) for (const part of (schema[key] as Json[] | undefined) ?? []) fillExamples(part);
  if (schema['items']) fillExamples(schema['items'] as Json);
  for (const [name, property] of Object.entries((schema['properties'] ?? {}) as Record<string, Json>)) {
    fillExamples(property);
    const example = FIELD_EXAMPLES[name];
    if (property['example'] !== undefined || property['enum'] || example === undefined) continue;
    const type = property['type'];
    const fits = (type === 'string' && typeof example === 'string') || ((type === 'integer' || type === 'number') && typeof example === 'number');
    if (fits) property['example'] = example;
  }
}

function sortByStatus(answers: Json): Json {
  return Object.fromEntries(Object.entries(answers).sort(([a], [b]) => a.localeCompare(b)));
}
