import { HttpException } from '@nestjs/common';

/** Media type of every error response (RFC 9457). */
export const PROBLEM_JSON = 'application/problem+json';

/** Base of every problem `type` URI: `https://stockflow.dev/problems/<slug>`. */
export const PROBLEM_TYPE_BASE = 'https://stockflow.dev/problems/';

export function problemType(slug: string): string {
  return `${PROBLEM_TYPE_BASE}${slug}`;
}

/** The problem types the platform answers with. Services may add their own with `problemType()`. */
export const ProblemTypes = {
  /** 400 — the body, query or params failed validation; see `errors`. */
  validation: problemType('validation'),
  /** 400 — the body could not be parsed (malformed JSON, empty JSON body). */
  malformedRequest: problemType('malformed-request'),
  badRequest: problemType('bad-request'),
  unauthorized: problemType('unauthorized'),
  forbidden: problemType('forbidden'),
  /** 404 — no such route, or a `DomainError` of kind `not-found`. */
  notFound: problemType('not-found'),
  methodNotAllowed: problemType('method-not-allowed'),
  notAcceptable: problemType('not-acceptable'),
  /** 409 — a `DomainError` of kind `conflict`: the resource's state forbids the command. */
  conflict: problemType('conflict'),
  /** 409 — a concurrent writer changed the resource; retrying the request may succeed. */
  concurrencyConflict: problemType('concurrency-conflict'),
  /** 412 — the `If-Match` version is not the resource's current version. */
  preconditionFailed: problemType('precondition-failed'),
  /** 413 — the body is larger than the service accepts. */
  payloadTooLarge: problemType('payload-too-large'),
  /** 415 — no parser for the request's `Content-Type`. */
  unsupportedMediaType: problemType('unsupported-media-type'),
  /** 422 — a `DomainError` of kind `rejected`: the command breaks a business rule; see `code`. */
  businessRuleViolation: problemType('business-rule-violation'),
  /** 422 — an event or payload does not satisfy its contract. */
  contractViolation: problemType('contract-violation'),
  unprocessable: problemType('unprocessable-content'),
  tooManyRequests: problemType('too-many-requests'),
  /** 500 — anything unexpected. The detail is generic; the error is in the logs. */
  internal: problemType('internal'),
  /** 503 — a readiness check failed, or the service is shutting down. */
  serviceUnavailable: problemType('service-unavailable'),
  /** 503 — PostgreSQL or NATS cannot be reached; nothing was done; retry after `Retry-After`. */
  dependencyUnavailable: problemType('dependency-unavailable'),
} as const;

const TYPE_BY_STATUS: Record<number, string> = {
  400: ProblemTypes.badRequest,
  401: ProblemTypes.unauthorized,
  403: ProblemTypes.forbidden,
  404: ProblemTypes.notFound,
  405: ProblemTypes.methodNotAllowed,
  406: ProblemTypes.notAcceptable,
  409: ProblemTypes.conflict,
  412: ProblemTypes.preconditionFailed,
  413: ProblemTypes.payloadTooLarge,
  415: ProblemTypes.unsupportedMediaType,
  422: ProblemTypes.unprocessable,
  429: ProblemTypes.tooManyRequests,
  500: ProblemTypes.internal,
  503: ProblemTypes.serviceUnavailable,
};

/** The platform's type for a bare status: a named one, else `.../http-<status>`. */
export function problemTypeForStatus(status: number): string {
  return TYPE_BY_STATUS[status] ?? problemType(`http-${status}`);
}

/** One invalid input field: `field` is a dotted/indexed path such as `lines[0].quantity`. */
export interface FieldError {
  readonly field: string;
  readonly messages: readonly string[];
}

/** Extension members beside the standard ones: `code`, `errors`, `correlationId`, `traceId`, … */
export interface ProblemExtensions {
  readonly errors?: readonly FieldError[];
  readonly code?: string;
  readonly [extension: string]: unknown;
}

/** An RFC 9457 problem, without `instance` (which comes from the request). */
export interface Problem extends ProblemExtensions {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
}

/** An RFC 9457 problem document as sent. */
export interface ProblemDetails extends Problem {
  readonly instance: string;
}

/** What `ProblemDetailsException` takes: `type` defaults from the status, `title` to its reason phrase. */
export interface ProblemInit extends ProblemExtensions {
  readonly status: number;
  readonly detail: string;
  readonly type?: string;
  readonly title?: string;
}

/**
 * An HTTP exception that carries its problem document as is: throw it to answer with a specific
 * type, detail or extension members. The exception filter adds `instance` and the trace fields.
 */
export class ProblemDetailsException extends HttpException {
  readonly problem: Problem;

  constructor(problem: ProblemInit, options?: { cause?: unknown }) {
    const full: Problem = {
      ...problem,
      type: problem.type ?? problemTypeForStatus(problem.status),
      title: problem.title ?? statusTitle(problem.status),
    };
    super(full, problem.status, options);
    this.problem = full;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The reason phrase of a status (RFC 9110 wording), used as the title of generic problems. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}
