import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { context as otelContext, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { contextOfTraceparent, SpanKind, stockflowTracer, traceparentOf } from '@stockflow/messaging';
import { createRequestContext, runWithRequestContext, type RequestContext } from './request-context.js';
import { isValidTraceparent } from './trace-context.js';

export const CORRELATION_ID_HEADER = 'x-correlation-id';
export const TRACEPARENT_HEADER = 'traceparent';

// Keyed by the Node.js request, which Fastify, Nest middleware and the exception filter all share.
const contexts = new WeakMap<object, RequestContext>();
const spans = new WeakMap<object, Span>();

/**
 * The context of a request from the request object itself — for code that runs outside the
 * request's async context, such as Fastify's `onResponse` hook or an error raised by the body parser.
 */
export function contextOfRequest(request: FastifyRequest | { raw?: object } | object | undefined): RequestContext | undefined {
  if (!request) return undefined;
  const raw = (request as { raw?: object }).raw ?? request;
  return contexts.get(raw);
}

/**
 * Installs W3C trace context and correlation ids on a Nest Fastify adapter:
 * - an `onRequest` hook that runs before Nest middleware reads `traceparent` (a child span of a
 *   valid one, else a new trace) and `X-Correlation-Id` (else a new UUID), echoes both on the
 *   response, and runs the rest of the request inside the context (`requestContext()`).
 * The context survives body parsing: Fastify 5 runs content-type parsers in the async context of
 * the request's hooks (an AsyncResource of its own), which the platform's tests check with a body
 * that arrives after the headers.
 */
export function installRequestContext(adapter: FastifyAdapter, options: { service: string }): void {
  adapter.setOnRequestHook((request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    // The request's span (ADR 0037): a server span, child of the caller's valid traceparent.
    const incoming = request.headers[TRACEPARENT_HEADER];
    const parent = contextOfTraceparent(typeof incoming === 'string' && isValidTraceparent(incoming) ? incoming : null);
    const route = request.routeOptions?.url ?? request.url.split('?', 1)[0]!;
    const span = stockflowTracer().startSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } }, parent);
    spans.set(request.raw, span);
    const context = createRequestContext({
      traceparent: incoming,
      correlationId: request.headers[CORRELATION_ID_HEADER],
      service: options.service,
      // Without the SDK (OTEL_SDK_DISABLED, in-process tests) the span is the caller's: make a child id here.
      own: span.isRecording() || !incoming ? traceparentOf(span) : null,
    });
    contexts.set(request.raw, context);
    reply.header(CORRELATION_ID_HEADER, context.correlationId);
    reply.header(TRACEPARENT_HEADER, context.traceparent);
    otelContext.with(trace.setSpan(parent, span), () => runWithRequestContext(context, () => done()));
  });
  adapter.getInstance().addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request.raw);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      spans.delete(request.raw);
    }
    done();
  });
  // A client that closes its connection before the answer: without this its span would never end.
  adapter.getInstance().addHook('onRequestAbort', (request, done) => {
    const span = spans.get(request.raw);
    if (span) {
      span.setAttribute('http.request.aborted', true);
      span.end();
      spans.delete(request.raw);
    }
    done();
  });
}
