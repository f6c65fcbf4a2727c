import { Global, Module, type DynamicModule, type Provider, type ValidationPipeOptions } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { AUTH_ENABLED, type AuthOptions } from './auth/auth-config.js';
import { AuthGuard, OpenAccessGuard } from './auth/auth.guard.js';
import { StreamTickets } from './auth/stream-tickets.js';
import { StreamTicketsController } from './auth/stream-tickets.controller.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { RateLimitGuard, type InstalledRateLimits } from './rate-limit/rate-limit.js';
import { HttpIdempotencyStore } from './http-conventions/http-idempotency-store.js';
import { IdempotencyInterceptor } from './http-conventions/idempotency.interceptor.js';
import { HealthController } from './health/health.controller.js';
import {
  ReadinessChecks,
  natsReadinessCheck,
  postgresReadinessCheck,
  type ReadinessCheck,
  type ReadinessCheckOptions,
} from './health/readiness.js';
import { createServiceLogger, loggerModule, type LogLevel } from './logging/logger.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { ServiceMetrics } from './metrics/service-metrics.js';
import { ProblemDetailsFilter } from './problem-details/problem-details.filter.js';
import { createValidationPipe } from './problem-details/validation.js';

/** Injection token of the service's name. */
export const SERVICE_NAME = Symbol.for('stockflow.platform.service-name');
/** Injection token of the service's pino logger (also reachable through nestjs-pino's `PinoLogger`). */
export const SERVICE_LOGGER = Symbol.for('stockflow.platform.logger');
/** Injection token of the loaded configuration (also provided under its own class). */
export const SERVICE_CONFIG = Symbol.for('stockflow.platform.config');

export interface PlatformModuleOptions {
  readonly serviceName: string;
  /** The loaded configuration: injectable as `SERVICE_CONFIG` and as its own class. */
  readonly config?: object;
  /** Adds the `postgres` readiness check (`SELECT 1`). */
  readonly pool?: Pool;
  /** Adds the `nats` readiness check (open connection, `flush()` round trip). */
  readonly nats?: NatsConnection;
  /** Whether the `nats` check round-trips a `flush()`. Default true. */
  readonly natsFlush?: boolean;
  /** More readiness checks, by name. */
  readonly readinessChecks?: Readonly<Record<string, ReadinessCheck>>;
  /** Timeout of each readiness check. Default 2000 ms. */
  readonly readinessTimeoutMs?: number;
  /** The metrics registry; a new one by default. */
  readonly metrics?: ServiceMetrics;
  /** The pino logger; by default one from `createServiceLogger` at `logLevel`. */
  readonly logger?: Logger;
  readonly logLevel?: LogLevel;
  /** Options merged into the global ValidationPipe's. */
  readonly validation?: ValidationPipeOptions;
  /** Enables `Idempotency-Key` on every POST, remembered in this store. */
  readonly idempotency?: HttpIdempotencyStore;
  /** Authenticates every HTTP request with bearer tokens of this issuer (ADR 0025); none when absent. */
  readonly auth?: AuthOptions | null;
  /** The per-caller rate limit (ADR 0028), checked by a global guard after authentication. */
  readonly rateLimits?: InstalledRateLimits;
}

/**
 * Everything a stockflow service gets from the platform, as one global Nest module: problem+json
 * errors and validation, nestjs-pino logging, `/health/live`, `/health/ready`, `/metrics`, and the
 * injectable `ServiceMetrics` and `ReadinessChecks`. `createService` imports it; the Fastify hooks
 * (trace context, request logs, HTTP metrics) are installed by `createService` itself.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions): DynamicModule {
    const metrics = options.metrics ?? new ServiceMetrics();
    const logger = options.logger ?? createServiceLogger({ service: options.serviceName, level: options.logLevel });
    const readiness = new ReadinessChecks();
    const checkOptions: ReadinessCheckOptions = { timeoutMs: options.readinessTimeoutMs };
    if (options.pool) readiness.register('postgres', postgresReadinessCheck(options.pool), checkOptions);
    if (options.nats) readiness.register('nats', natsReadinessCheck(options.nats, { flush: options.natsFlush }), checkOptions);
    for (const [name, check] of Object.entries(options.readinessChecks ?? {})) readiness.register(name, check, checkOptions);

    const configProviders: Provider[] = options.config
      ? [
          { provide: SERVICE_CONFIG, useValue: options.config },
          ...(options.config.constructor !== Object ? [{ provide: options.config.constructor, useValue: options.config }] : []),
        ]
      : [];
    const auth = options.auth ?? null;
    const authProviders: Provider[] = auth
      ? [
          { provide: TokenVerifier, useValue: new TokenVerifier({ issuer: auth.issuer, audience: auth.audience }) },
          { provide: StreamTickets, useValue: new StreamTickets(auth.streamTicketSecret) },
          { provide: APP_GUARD, useClass: AuthGuard },
        ]
      : [{ provide: APP_GUARD, useClass: OpenAccessGuard }];
    const exported = [SERVICE_NAME, SERVICE_LOGGER, AUTH_ENABLED, ...(auth ? [TokenVerifier, StreamTickets] : []), ServiceMetrics, ReadinessChecks, ...configProviders.map((p) => (p as { provide: unknown }).provide)];
    return {
      module: PlatformModule,
      global: true,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), loggerModule(logger)],
      controllers: [HealthController, MetricsController, ...(auth ? [StreamTicketsController] : [])],
      providers: [
        { provide: SERVICE_NAME, useValue: options.serviceName },
        { provide: SERVICE_LOGGER, useValue: logger },
        { provide: AUTH_ENABLED, useValue: auth !== null },
        ...authProviders,
        // After the AuthGuard (guards run in this order): the authenticated caller is known.
        ...(options.rateLimits ? [{ provide: APP_GUARD, useValue: new RateLimitGuard(options.rateLimits) }] : []),
        { provide: ServiceMetrics, useValue: metrics },
        { provide: ReadinessChecks, useValue: readiness },
        ...configProviders,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useValue: createValidationPipe(options.validation) },
        ...(options.idempotency
          ? [
              { provide: HttpIdempotencyStore, useValue: options.idempotency },
              { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
            ]
          : []),
      ],
      exports: exported as DynamicModule['exports'],
    };
  }
}
