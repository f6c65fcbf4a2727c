import { Catch, HttpException, Inject, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ContractViolation } from '@stockflow/contracts';
import { ConcurrencyConflict, DomainError } from '@stockflow/event-sourcing';
import { throwError, type Observable } from 'rxjs';
import { contextOfRequest } from '../tracing/fastify-hooks.js';
import { requestContext } from '../tracing/request-context.js';
import { DEPENDENCY_RETRY_AFTER_SECONDS, dependencyUnavailableOf } from './dependency-unavailable.js';
import {
  PROBLEM_JSON,
  ProblemDetailsException,
  ProblemTypes,
  problemTypeForStatus,
  statusTitle,
  type Problem,
  type ProblemDetails,
} from './problem-details.js';

/** Detail of every 500: the cause is logged, never sent. */
export const INTERNAL_ERROR_DETAIL = 'An unexpected error occurred. Quote the correlationId when reporting it.';

/** The parts of a request (Fastify or Node.js) the filter reads. */
export interface RequestLike {
  readonly url?: string;
  readonly originalUrl?: string;
  readonly headers?: Record<string, string | string[] | undefined>;
  readonly raw?: RequestLike;
}

/** What the filter decided: the problem, whether the error is the server's to log, and headers to send. */
export interface ProblemResolution {
  readonly problem: Problem;
  readonly serverError: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Maps anything thrown while handling a request to a problem:
 * - `ProblemDetailsException` (incl. validation errors) → as carried;
 * - `DomainError` → 404 / 409 / 422 by kind, with its `code`;
 * - `ConcurrencyConflict` → 412 when the request had `If-Match`, else 409;
 * - `ContractViolation` → 422;
 * - Fastify's client errors (malformed JSON, body too large, unsupported media type) → their 4xx;
 * - PostgreSQL or NATS unreachable (`dependencyUnavailableOf`) → 503 with `Retry-After` (ADR 0019);
 * - other `HttpException`s → their status and message;
 * - anything else → 500 with a generic detail.
 */
export function resolveProblem(exception: unknown, request?: RequestLike): ProblemResolution {
  if (exception instanceof ProblemDetailsException) {
    return { problem: exception.problem, serverError: exception.problem.status >= 500 };
  }
  const domain = asDomainError(exception);
  if (domain) {
    const status = domain.kind === 'not-found' ? 404 : domain.kind === 'conflict' ? 409 : 422;
    const type =
      domain.kind === 'not-found' ? ProblemTypes.notFound : domain.kind === 'conflict' ? ProblemTypes.conflict : ProblemTypes.businessRuleViolation;
    const title = domain.kind === 'not-found' ? 'Resource not found' : domain.kind === 'conflict' ? 'Conflict with the current state' : 'Business rule violated';
    return { problem: { type, title, status, detail: domain.message, code: domain.code }, serverError: false };
  }
  if (exception instanceof ConcurrencyConflict || (exception instanceof Error && exception.name === 'ConcurrencyConflict')) {
    const conditional = hasHeader(request, 'if-match');
    return {
      problem: conditional
        ? {
            type: ProblemTypes.preconditionFailed,
            title: 'Precondition failed',
            status: 412,
            detail: 'The resource has changed since the version given in If-Match. Fetch it again and retry.',
          }
        : {
            type: ProblemTypes.concurrencyConflict,
            title: 'Concurrent modification',
            status: 409,
            detail: 'The resource was modified by another request at the same time. Retry the request.',
          },
      serverError: false,
    };
  }
  if (exception instanceof ContractViolation) {
    return {
      problem: {
        type: ProblemTypes.contractViolation,
        title: 'Contract violation',
        status: 422,
        detail: exception.message,
        code: exception.reason,
      },
      serverError: false,
    };
  }
  const client = clientErrorOf(exception);
  if (client) return { problem: client, serverError: false };
  const unavailable = dependencyUnavailableOf(exception);
  if (unavailable) {
    return {
      problem: {
        type: ProblemTypes.dependencyUnavailable,
        title: 'Dependency unavailable',
        status: 503,
        detail: `${unavailable.message}; the request was not carried out. Retry after ${DEPENDENCY_RETRY_AFTER_SECONDS} s.`,
        dependency: unavailable.dependency,
      },
      // An outage is logged once where the connection is lost, not once per request.
      serverError: false,
      headers: { 'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS) },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return {
      problem: { type: problemTypeForStatus(status), title: statusTitle(status), status, detail: httpExceptionDetail(exception) },
      serverError: status >= 500,
    };
  }
  return {
    problem: { type: ProblemTypes.internal, title: statusTitle(500), status: 500, detail: INTERNAL_ERROR_DETAIL },
    serverError: true,
  };
}

function asDomainError(exception: unknown): DomainError | null {
  if (exception instanceof DomainError) return exception;
  // A second copy of @stockflow/event-sourcing (e.g. a nested install) still maps by shape.
  if (exception instanceof Error && exception.name === 'DomainError') {
    const { kind, code } = exception as Partial<DomainError>;
    if ((kind === 'not-found' || kind === 'conflict' || kind === 'rejected') && typeof code === 'string') return exception as DomainError;
  }
  return null;
}

/** Fastify's own request errors, whether Nest wrapped them in an HttpException (`cause`) or not. */
function clientErrorOf(exception: unknown): Problem | null {
  const candidates = [exception, exception instanceof HttpException ? exception.cause : undefined];
  for (const candidate of candidates) {
    if (!(candidate instanceof Error)) continue;
    const { statusCode, code } = candidate as Error & { statusCode?: unknown; code?: unknown };
    if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) continue;
    const fastify = typeof code === 'string' && code.startsWith('FST_');
    if (candidate instanceof SyntaxError || code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return {
        type: ProblemTypes.malformedRequest,
        title: 'Malformed request body',
        status: 400,
        detail: `The request body is not valid JSON: ${candidate.message}`,
      };
    }
    if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      return { type: ProblemTypes.malformedRequest, title: 'Malformed request body', status: 400, detail: candidate.message };
    }
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) {
      return {
        type: ProblemTypes.payloadTooLarge,
        title: 'Request body too large',
        status: 413,
        detail: 'The request body is larger than this service accepts.',
      };
    }
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || statusCode === 415) {
      return {
        type: ProblemTypes.unsupportedMediaType,
        title: 'Unsupported media type',
        status: 415,
        detail: `${candidate.message}. Send application/json.`,
      };
    }
    if (fastify) return { type: problemTypeForStatus(statusCode), title: statusTitle(statusCode), status: statusCode, detail: candidate.message };
  }
  return null;
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  if (response && typeof response === 'object') {
    const { message, detail } = response as { message?: unknown; detail?: unknown };
    if (typeof detail === 'string') return detail;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.map(String).join('; ');
  }
  return exception.message;
}

function hasHeader(request: RequestLike | undefined, name: string): boolean {
  const value = (request?.headers ?? request?.raw?.headers)?.[name];
  return Array.isArray(value) ? value.length > 0 : typeof value === 'string' && value.length > 0;
}

function instanceOf(request: RequestLike | undefined): string {
  const url = request?.originalUrl ?? request?.url ?? request?.raw?.url ?? '/';
  return url.split('?', 1)[0] || '/';
}

/**
 * The global exception filter: every error of an HTTP request is answered with
 * `application/problem+json` (RFC 9457), with `correlationId` and `traceId` extension members.
 * Server errors (5xx) are logged with their stack; their detail never reaches the client.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const request = http.getRequest<RequestLike>();
    const response = http.getResponse<unknown>();
    const { problem, serverError, headers } = resolveProblem(exception, request);
    const context = requestContext() ?? contextOfRequest(request);
    const body: ProblemDetails = {
      ...problem,
      instance: instanceOf(request),
      ...(context && { correlationId: context.correlationId, traceId: context.traceId }),
    };
    if (serverError) {
      this.logger.error({ err: exception, status: body.status, instance: body.instance }, 'request failed');
    }
    const adapter = this.adapterHost.httpAdapter;
    if (adapter.isHeadersSent(response)) return;
    adapter.setHeader(response, 'Content-Type', `${PROBLEM_JSON}; charset=utf-8`);
    for (const [name, value] of Object.entries(headers ?? {})) adapter.setHeader(response, name, value);
    adapter.reply(response, body, body.status);
  }
}
