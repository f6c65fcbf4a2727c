import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace-node';

/** What `installTelemetry` set up, to flush and stop at shutdown. */
export interface Telemetry {
  /** Whether spans leave the process (an OTLP endpoint is configured). */
  readonly exporting: boolean;
  shutdown(): Promise<void>;
}

let installed: Telemetry | undefined;

/**
 * OpenTelemetry for one process (ADR 0037), from the standard variables: spans are always made
 * (each hop its own span id, its parent named), and exported over OTLP/HTTP only when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (and
 * `OTEL_TRACES_EXPORTER` is not `none`). `OTEL_SDK_DISABLED=true` turns the SDK off (trace context
 * is still passed on); `OTEL_TRACES_SAMPLER_ARG` samples new traces (default 1). Once per process.
 */
export function installTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): Telemetry {
  if (installed) return installed;
  if (env['OTEL_SDK_DISABLED'] === 'true') return (installed = { exporting: false, shutdown: async () => undefined });
  const exporting = Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) && env['OTEL_TRACES_EXPORTER'] !== 'none';
  const ratio = Number(env['OTEL_TRACES_SAMPLER_ARG'] ?? '1');
  const spanProcessors: SpanProcessor[] = exporting ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [];
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] || serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 1) }),
    spanProcessors,
  });
  provider.register();
  installed = { exporting, shutdown: () => provider.shutdown() };
  return installed;
}

/** Flushes and stops the process's telemetry, if installed. */
export async function shutdownTelemetry(): Promise<void> {
  await installed?.shutdown().catch(() => undefined);
}
