import { AsyncLocalStorage } from 'node:async_hooks';
import { activeTraceparent } from '@stockflow/messaging';
import { randomUUID } from 'node:crypto';
import { childTraceparent, newTraceparent, parseTraceparent } from './trace-context.js';

/** What the platform knows about the request (or message) being handled. */
export interface RequestContext {
  /** The W3C `traceparent` of this service's span: the caller's trace id, a span id of its own. */
  readonly traceparent: string;
  readonly traceId: string;
  readonly spanId: string;
  /** The caller's span id, when the request came with a valid `traceparent`. */
  readonly parentSpanId: string | null;
  /** `X-Correlation-Id` of the request, or a new UUID. */
  readonly correlationId: string;
  /** The service handling the request. */
  readonly service?: string;
}

/** The metadata a command handler stamps on the events it appends (see `EventMetadata`). */
export interface TraceMetadata {
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The context of the request being handled, or `undefined` outside one. */
export function requestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Runs `fn` inside `context`: everything it awaits sees it through `requestContext()`. */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** Correlation ids longer than this, or with other characters than these, are replaced. */
const CORRELATION_ID = /^[A-Za-z0-9][A-Za-z0-9._:@\-/+=]{0,127}$/;

/** True when an incoming correlation id is safe to adopt (bounded, no spaces or control chars). */
export function isAcceptableCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && CORRELATION_ID.test(value);
}

/**
 * Builds the context for an incoming request or message: this service's span is a child of a valid
 * `traceparent` (or the root of a new trace), and the correlation id is adopted or generated.
 */
export function createRequestContext(incoming: {
  traceparent?: string | readonly string[] | null;
  correlationId?: string | readonly string[] | null;
  service?: string;
  /** This service's span, when OpenTelemetry made one (ADR 0037); else a child id is made here. */
  own?: string | null;
}): RequestContext {
  const parent = parseTraceparent(incoming.traceparent);
  const traceparent = incoming.own && parseTraceparent(incoming.own) ? incoming.own : parent ? childTraceparent(formatParent(parent)) : newTraceparent();
  const own = parseTraceparent(traceparent)!;
  const correlationId = isAcceptableCorrelationId(incoming.correlationId) ? incoming.correlationId : randomUUID();
  return {
    traceparent,
    traceId: own.traceId,
    spanId: own.spanId,
    parentSpanId: parent?.spanId ?? null,
    correlationId,
    ...(incoming.service ? { service: incoming.service } : {}),
  };
}

function formatParent(parent: { traceId: string; spanId: string; flags: string }): string {
  return `00-${parent.traceId}-${parent.spanId}-${parent.flags}`;
}

/**
 * `{ correlationId, causationId, traceparent }` for the events a command handler appends. Inside a
 * request they come from its context; outside one (a timer, a script) a new correlation id and a
 * new trace are started, so events never go out without them.
 */
export function currentEventMetadata(causationId: string | null = null): TraceMetadata {
  const context = storage.getStore();
  if (context) return { correlationId: context.correlationId, causationId, traceparent: context.traceparent };
  return { correlationId: randomUUID(), causationId, traceparent: activeTraceparent() ?? newTraceparent() };
}
