import { trace } from '@opentelemetry/api';
import type { DynamicModule } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { pino, stdTimeFunctions, type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import { contextOfRequest } from '../tracing/fastify-hooks.js';
import { requestContext } from '../tracing/request-context.js';
import { REDACT_PATHS, REDACTED, scrubPersonalData } from './redaction.js';

export type LogLevel = Level | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface ServiceLoggerOptions {
  readonly service: string;
  readonly level?: LogLevel;
  /** Where JSON lines go; stdout by default. Tests pass a stream to read them back. */
  readonly destination?: DestinationStream;
}

/**
 * The service's pino logger: JSON lines with an ISO `time`, a textual `level`, `service`, and —
 * inside a request — its `correlationId`, `traceId` and `spanId` (read from the request context
 * when each line is written, so child loggers and nestjs-pino's loggers carry them too).
 */
export function createServiceLogger(options: ServiceLoggerOptions): Logger {
  const { service } = options;
  const pinoOptions = {
    level: options.level ?? 'info',
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // No personal data or credentials in any line (ADR 0027): censored by key, then scrubbed by value.
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    hooks: { streamWrite: scrubPersonalData },
    mixin() {
      const context = requestContext();
      if (!context) {
        // A consumer's handler, a send: the active span's ids (ADR 0037).
        const span = trace.getActiveSpan()?.spanContext();
        return span && trace.isSpanContextValid(span) ? { service, traceId: span.traceId, spanId: span.spanId } : { service };
      }
      return {
        service: context.service ?? service,
        correlationId: context.correlationId,
        traceId: context.traceId,
        spanId: context.spanId,
      };
    },
  } satisfies LoggerOptions;
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/** Paths whose requests are not logged: probes and scrapes would drown everything else. */
export const QUIET_PATHS: readonly RegExp[] = [/^\/health(\/|$)/, /^\/metrics(\/|$)/];

export function isQuietPath(url: string, quietPaths: readonly RegExp[] = QUIET_PATHS): boolean {
  const path = url.split('?', 1)[0] ?? url;
  return quietPaths.some((pattern) => pattern.test(path));
}

/**
 * nestjs-pino wired to the service logger: Nest's own logs and injected `PinoLogger`s go through it.
 * Its automatic request logging is off — `installRequestLogging` writes one line per request
 * instead, from a Fastify hook that knows the route pattern and skips quiet paths.
 *
 * Note: nestjs-pino 5 keeps one root logger per process (the first app's); several apps in one
 * process (tests) share it for logs written outside a request. Inside a request the context's
 * `service` is used, so lines are still attributed to the right app.
 */
export function loggerModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: { logger, autoLogging: false, quietReqLogger: true, quietResLogger: true },
  });
}

/** Logs `request completed` (info; error for 5xx) for every request except quiet paths. */
export function installRequestLogging(
  fastify: FastifyInstance,
  logger: Logger,
  quietPaths: readonly RegExp[] = QUIET_PATHS,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!isQuietPath(request.url, quietPaths)) {
      const context = contextOfRequest(request);
      const status = reply.statusCode;
      logger[status >= 500 ? 'error' : 'info'](
        {
          ...(context && {
            service: context.service,
            correlationId: context.correlationId,
            traceId: context.traceId,
            spanId: context.spanId,
          }),
          req: { method: request.method, url: withoutTicket(request.url), route: routeOf(request) },
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request completed',
      );
    }
    done();
  });
}

/** A stream ticket (ADR 0025) is a credential: it never reaches the logs. */
function withoutTicket(url: string): string {
  return url.replace(/([?&]ticket=)[^&]*/g, '$1[redacted]');
}

function routeOf(request: FastifyRequest): string | undefined {
  return request.is404 ? undefined : request.routeOptions.url;
}
