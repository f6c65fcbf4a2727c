import { Module, type DynamicModule, type ForwardReference, type Type, type ValidationPipeOptions } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NatsConnection } from '@nats-io/transport-node';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Pool } from 'pg';
import type { DestinationStream, Logger } from 'pino';
import { authOptionsOf, type AuthConfigLike, type AuthOptions } from './auth/auth-config.js';
import { describeApi, type OpenApiOptions } from './openapi/openapi-document.js';
import type { Socket } from 'node:net';
import type { HttpIdempotencyStore } from './http-conventions/http-idempotency-store.js';
import { PROBLEM_JSON, problemTypeForStatus, statusTitle } from './problem-details/problem-details.js';
import { ReadinessChecks, type ReadinessCheck, type ReadinessCheckOptions } from './health/readiness.js';
import { createServiceLogger, installRequestLogging, QUIET_PATHS, type LogLevel } from './logging/logger.js';
import { installHttpMetrics } from './metrics/http-metrics.js';
import { ServiceMetrics } from './metrics/service-metrics.js';
import { PlatformModule } from './platform.module.js';
import { DEFAULT_REQUEST_BOUNDS } from './request-shape/request-bounds.js';
import { installRequestShapeGuard, type RequestShapeOptions } from './request-shape/request-shape.js';
import { declareQueryParameters } from './request-shape/declared-query.js';
import { installRequestContext } from './tracing/fastify-hooks.js';
import { callerIdentity, installRateLimits, type InstalledRateLimits, type RateLimitSettings } from './rate-limit/rate-limit.js';

/** Default request body limit of a route that declares none (`@BoundedRequest`): 16 KiB (ADR 0022). */
export const DEFAULT_BODY_LIMIT = DEFAULT_REQUEST_BOUNDS.maxBodyBytes;

/** Default time a client has to send a whole request (headers and body): 5 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** How often Node.js checks connections for the request timeout: the timeout fires up to this late. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** The configuration fields `createService` reads (all of them are in `BaseServiceConfig`). */
export interface ServiceConfigLike extends AuthConfigLike {
  readonly PORT?: number;
  readonly HOST?: string;
  readonly LOG_LEVEL?: LogLevel;
  /** How long a client may take to send a whole request (see BaseServiceConfig). */
  readonly HTTP_REQUEST_TIMEOUT_MS?: number;
  /** Origins allowed to call from a browser (CORS), comma-separated. */
  readonly CORS_ORIGINS?: string;
  readonly REDIS_URL?: string;
  readonly RATE_LIMIT_PER_IP?: number;
  readonly RATE_LIMIT_PER_IDENTITY?: number;
  readonly RATE_LIMIT_WINDOW_MS?: number;
  readonly RATE_LIMIT_KEY_PREFIX?: string;
}

/** Rate limits of a service (ADR 0028); by default from the configuration's `RATE_LIMIT_*` and `REDIS_URL`. */
export interface RateLimitOptions {
  /** Overrides the configuration's limits. */
  readonly settings?: Partial<RateLimitSettings>;
  /** Who the caller is, for the per-identity limit; `callerIdentity` by default. */
  readonly identity?: (request: FastifyRequest) => string | null;
}

/** The limits `config` asks for, with the platform's defaults for what it does not say. */
export function rateLimitSettings(config: ServiceConfigLike, overrides: Partial<RateLimitSettings> = {}): RateLimitSettings {
  return {
    perIp: config.RATE_LIMIT_PER_IP ?? 1_000,
    perIdentity: config.RATE_LIMIT_PER_IDENTITY ?? 300,
    windowMs: config.RATE_LIMIT_WINDOW_MS ?? 60_000,
    redisUrl: config.REDIS_URL,
    keyPrefix: config.RATE_LIMIT_KEY_PREFIX ?? 'stockflow:ratelimit:',
    ...overrides,
  };
}

export interface CreateServiceOptions {
  /** The service's name: in every log line, and in error messages. */
  readonly name: string;
  /** The service's own root module. */
  readonly module: Type<unknown> | DynamicModule | ForwardReference;
  /** The loaded configuration (`loadConfig(…)`); injectable as its class and as `SERVICE_CONFIG`. */
  readonly config: ServiceConfigLike & object;
  /** Overrides `config.PORT`; 0 picks a free port. */
  readonly port?: number;
  /** Overrides `config.HOST`. */
  readonly host?: string;
  /** Serves the OpenAPI document at `/docs-json` and Swagger UI at `/docs`. */
  readonly openApi?: OpenApiOptions;
  /**
   * Largest accepted request body in bytes of a route that declares none; default 16 KiB. Larger
   * bodies get 413. A route declares its own with `@BoundedRequest` (ADR 0022).
   */
  readonly bodyLimit?: number;
  /**
   * The request-shape guard's limits (ADR 0027, ADR 0022): the defaults of every route that declares
   * none with `@BoundedRequest` — body nesting depth and items per array.
   */
  readonly requestShape?: RequestShapeOptions;
  /** Overrides `config.HTTP_REQUEST_TIMEOUT_MS`: a client slower to send its request is cut off with 408. */
  readonly requestTimeoutMs?: number;
  /** Adds the `postgres` readiness check. The pool stays the caller's to end. */
  readonly pool?: Pool;
  /** Adds the `nats` readiness check. The connection stays the caller's to close. */
  readonly nats?: NatsConnection;
  readonly natsFlush?: boolean;
  readonly readinessChecks?: Readonly<Record<string, ReadinessCheck>>;
  readonly readinessTimeoutMs?: number;
  /** Options merged into the global ValidationPipe's. */
  readonly validation?: ValidationPipeOptions;
  /** The service's metrics registry, when parts built before the service update it; a new one by default. */
  readonly metrics?: ServiceMetrics;
  /** Enables `Idempotency-Key` on every POST (`HttpIdempotencyStore.create(pool, schema)`). */
  readonly idempotency?: HttpIdempotencyStore;
  /** Where log lines go; stdout by default. */
  readonly logDestination?: DestinationStream;
  /** Request paths that are not logged; `/health…` and `/metrics` by default. */
  readonly quietPaths?: readonly RegExp[];
  /**
   * Authenticates callers with bearer tokens of this issuer (ADR 0025). Default: from the config's
   * `AUTH_ISSUER` / `AUTH_AUDIENCE` / `AUTH_STREAM_TICKET_SECRET`; none when `AUTH_ISSUER` is unset.
   */
  readonly auth?: AuthOptions | null;
  /** Stop on SIGTERM/SIGINT by closing the app (shutdown hooks). Default true. */
  readonly shutdownHooks?: boolean;
  /** Rate limits per IP and per caller on every route (always on; the limits come from the configuration). */
  readonly rateLimit?: RateLimitOptions;
}

export interface Service {
  readonly app: NestFastifyApplication;
  readonly name: string;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly readiness: ReadinessChecks;
  /** The OpenAPI document, when `openApi` was given. */
  readonly openApiDocument: OpenAPIObject | null;
  registerReadinessCheck(name: string, check: ReadinessCheck, options?: ReadinessCheckOptions): void;
  /** Initializes the app without listening (e.g. for `supertest(app.getHttpServer())`). */
  init(): Promise<void>;
  /** Listens on the configured host and port and returns the service's URL. */
  listen(): Promise<string>;
  /** Closes the app (idempotent). */
  close(): Promise<void>;
}

/**
 * Creates a stockflow service with the platform's defaults: Fastify (request bounds: 16 KiB bodies
 * unless a route declares its own, 5 s to send a request; ADR 0022), W3C trace
 * context and correlation ids, pino JSON logs via nestjs-pino, problem+json errors and validation,
 * Prometheus metrics at `/metrics`, health at `/health/live` and `/health/ready`, OpenAPI at
 * `/docs`, and shutdown hooks.
 */
export async function createService(options: CreateServiceOptions): Promise<Service> {
  const { name, config } = options;
  const auth = options.auth === undefined ? authOptionsOf(config) : options.auth;
  const logger = createServiceLogger({ service: name, level: config.LOG_LEVEL, destination: options.logDestination });
  const metrics = options.metrics ?? new ServiceMetrics();

  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const requestTimeout = options.requestTimeoutMs ?? config.HTTP_REQUEST_TIMEOUT_MS ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const adapter = new FastifyAdapter({
    bodyLimit,
    // A client that declares a body and stalls is cut off (408) instead of holding a connection and
    // a parser: Node.js checks every second whether a request has been received whole in time.
    requestTimeout,
    http: { headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, requestTimeout) },
    clientErrorHandler: answerClientError,
    // Fastify's router answers some malformed requests (bad percent-encoding, over-long parameters)
    // before Nest sees them; they get problem+json too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      void reply
        .code(status)
        .type(PROBLEM_JSON)
        .send({ type: problemTypeForStatus(status), title: statusTitle(status), status, detail: error.message, instance: request.url.split('?')[0] });
    },
  });
  installRequestContext(adapter, { service: name });
  const fastify = adapter.getInstance();
  installHttpMetrics(fastify, metrics);
  installRequestLogging(fastify, logger, options.quietPaths ?? QUIET_PATHS);
  installRequestShapeGuard(fastify, { ...options.requestShape, maxBodyBytes: bodyLimit });

  // Rate limits (ADR 0028): per IP on every route now (a Fastify hook), per caller in the platform's
  // guard after authentication (the caller is known there).
  const limits = rateLimitSettings(config, options.rateLimit?.settings);
  if (!limits.redisUrl && process.env['NODE_ENV'] === 'production') {
    throw new Error(`${name}: REDIS_URL is required when NODE_ENV=production (rate limits must be shared by every replica)`);
  }
  const rateLimits: InstalledRateLimits = await installRateLimits(fastify, limits, logger, options.rateLimit?.identity ?? callerIdentity);
  fastify.addHook('onClose', async () => rateLimits.close());

  @Module({
    imports: [
      PlatformModule.forRoot({
        serviceName: name,
        config,
        pool: options.pool,
        nats: options.nats,
        natsFlush: options.natsFlush,
        readinessChecks: options.readinessChecks,
        readinessTimeoutMs: options.readinessTimeoutMs,
        metrics,
        logger,
        validation: options.validation,
        idempotency: options.idempotency,
        auth,
        rateLimits,
      }),
      options.module,
    ],
  })
  class ServiceModule {}
  Object.defineProperty(ServiceModule, 'name', { value: `${toPascalCase(name)}ServiceModule` });

  const app = await NestFactory.create<NestFastifyApplication>(ServiceModule, adapter, { bufferLogs: true, abortOnError: false });
  // Every route's declared query parameters into its route config, before init() registers the
  // routes: the request-shape guard refuses any other (ADR 0027).
  declareQueryParameters(app.get(ModulesContainer));
  app.useLogger(app.get(NestPinoLogger));
  if (!auth) logger.info(`${name}: authentication is off (AUTH_ISSUER unset): every caller is treated as an operator; never run so outside development`);
  app.flushLogs();

  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  // Security headers (helmet's defaults; the CSP lets Swagger UI at /docs load its own inline styles).
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], scriptSrc: ["'self'"] },
    },
  });
  // Browsers may call from the listed origins only; no CORS headers at all when none is listed.
  const origins = (config.CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
  if (origins.length > 0) app.enableCors({ origin: origins, allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match'], exposedHeaders: ['ETag', 'Location', 'Retry-After'] });

  let openApiDocument: OpenAPIObject | null = null;
  if (options.openApi) {
    openApiDocument = describeApi(app, options.openApi, auth?.issuer ?? null, { idempotentPosts: options.idempotency !== undefined });
    SwaggerModule.setup('docs', app, openApiDocument, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  }

  const readiness = app.get(ReadinessChecks);
  let initialized: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  const init = () =>
    (initialized ??= (async () => {
      await app.init();
      await fastify.ready();
    })());

  return {
    app,
    name,
    logger,
    metrics,
    readiness,
    openApiDocument,
    registerReadinessCheck: (checkName, check, checkOptions) => void readiness.register(checkName, check, checkOptions),
    init,
    async listen() {
      const port = options.port ?? config.PORT;
      if (port === undefined) throw new Error(`${name}: no port to listen on (set PORT or pass port)`);
      const host = options.host ?? config.HOST ?? '127.0.0.1';
      await app.listen({ port, host });
      initialized ??= Promise.resolve();
      const url = await app.getUrl();
      logger.info({ url }, `${name} listening`);
      return url;
    },
    close: () => (closed ??= app.close()),
  };
}

/**
 * Answers what Node.js's HTTP parser refuses before Fastify sees a request — a request not received
 * whole within the request timeout (408), headers too large (431), a malformed request (400) — with
 * problem+json, when nothing was sent on the connection yet, and closes the connection.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const detail =
    status === 408
      ? 'The request was not received in time; send the whole request at once.'
      : status === 431
        ? 'The request headers are too large.'
        : 'The request could not be parsed as HTTP.';
  const body = JSON.stringify({ type: problemTypeForStatus(status), title: statusTitle(status), status, detail });
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    socket.write(
      `HTTP/1.1 ${status} ${statusTitle(status)}\r\nContent-Type: ${PROBLEM_JSON}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function toPascalCase(value: string): string {
  return value
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
