import { context as otelContext, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Span } from '@opentelemetry/api';

export { SpanKind };

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The tracer of every stockflow span (the SDK behind it is set up once per process by the platform, ADR 0037). */
export function stockflowTracer() {
  return trace.getTracer('stockflow');
}

/** A context whose parent span is the one a W3C `traceparent` names; the root context for none or a malformed one. */
export function contextOfTraceparent(traceparent: string | null | undefined, base: Context = ROOT_CONTEXT): Context {
  const match = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return base;
  return trace.setSpanContext(base, { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED, isRemote: true });
}

/** The W3C `traceparent` of a span, or null when it has no valid context (tracing disabled and no parent). */
export function traceparentOf(span: Span): string | null {
  const ctx = span.spanContext();
  if (!trace.isSpanContextValid(ctx)) return null;
  return `00-${ctx.traceId}-${ctx.spanId}-${(ctx.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`;
}

/** The `traceparent` of the span active here, if any. */
export function activeTraceparent(): string | null {
  const span = trace.getActiveSpan();
  return span ? traceparentOf(span) : null;
}

/**
 * Runs `work` in a span of its own, child of `parent` (a `traceparent`) or, without one, of the span
 * active here; ends it with the outcome. The work sees the span as active (and its `traceparent`).
 */
export async function inSpan<T>(name: string, kind: SpanKind, parent: string | null | undefined, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  const parentContext = parent ? contextOfTraceparent(parent, otelContext.active()) : otelContext.active();
  const span = stockflowTracer().startSpan(name, { kind, attributes }, parentContext);
  try {
    return await otelContext.with(trace.setSpan(parentContext, span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.name });
    throw error;
  } finally {
    span.end();
  }
}
