// Rate limits on every route of a service (issue 17, ADR 0028): one limit per client IP and one per
// caller identity, counted by @fastify/rate-limit in Redis (shared by every replica) or, in
// development without REDIS_URL, in the process's memory. An exceeded limit is answered 429
// application/problem+json with `Retry-After` and the IETF draft `RateLimit` / `RateLimit-Policy`
// header fields (draft-ietf-httpapi-ratelimit-headers-08 and later).
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { requestCaller } from '../auth/access.js';
import { OPEN_ACCESS_CALLER } from '../auth/auth.guard.js';
import { PROBLEM_JSON, ProblemDetailsException, ProblemTypes } from '../problem-details/problem-details.js';

/** The limits of a service; every field has a default in `BaseServiceConfig`. */
export interface RateLimitSettings {
  /** Requests per window from one client IP (IPv6: per /64), on every route. 0 turns the limit off. */
  readonly perIp: number;
  /** Requests per window for one caller identity (see `callerIdentity`). 0 turns the limit off. */
  readonly perIdentity: number;
  /** The window, in milliseconds (fixed windows, counted from the first request). */
  readonly windowMs: number;
  /** Where the counters are shared; unset: this process's memory (development only). */
  readonly redisUrl?: string;
  /** Prefix of every Redis key (tests use one of their own and delete its keys afterwards). */
  readonly keyPrefix: string;
}

/**
 * Who the caller is, for the per-identity limit: the authenticated caller's `sub` (the platform's
 * AuthGuard verified the bearer token or stream ticket: ADR 0025) when there is one; otherwise the
 * customer the request is about (route parameter `customerId`, the `:id` of a `/customers/:id…`
 * route, or a body's `customerId`). A request with neither is limited per IP only.
 */
export function callerIdentity(request: FastifyRequest): string | null {
  const caller = requestCaller(request);
  // Without AUTH_ISSUER every request carries the same stand-in caller: not an identity.
  if (caller && caller !== OPEN_ACCESS_CALLER) return `sub:${caller.subject}`;
  const params = (request.params ?? {}) as Record<string, unknown>;
  if (typeof params.customerId === 'string' && params.customerId) return `customer:${params.customerId}`;
  const route = request.routeOptions?.url ?? '';
  if (/\/customers\/:id(\/|$)/.test(route) && typeof params.id === 'string' && params.id) return `customer:${params.id}`;
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && typeof body.customerId === 'string' && body.customerId) return `customer:${body.customerId}`;
  return null;
}

interface LimitOutcome {
  readonly policy: 'ip' | 'identity';
  readonly max: number;
  readonly remaining: number;
  readonly resetSeconds: number;
  readonly exceeded: boolean;
}

type Limiter = (request: FastifyRequest) => Promise<{ isAllowed: boolean; max?: number; remaining?: number; ttlInSeconds?: number; isExceeded?: boolean }>;

/** The installed limits: the per-caller check (run by `RateLimitGuard`) and the Redis connection to close. */
export interface InstalledRateLimits {
  readonly store: 'redis' | 'memory';
  /** Counts the request against its caller's limit; throws a 429 problem when it is over. */
  checkIdentity(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  close(): Promise<void>;
}

/**
 * Registers @fastify/rate-limit on the service's Fastify instance, adds the per-IP limit to every
 * route (an `onRequest` hook, before the body is read) and returns the per-caller check, which the
 * platform's `RateLimitGuard` runs after authentication. Call it before the routes are registered. Redis errors let requests through (logged once per outage): a limiter
 * outage must not take the API down; the daily caps of the notifications context are in PostgreSQL.
 */
export async function installRateLimits(
  fastify: FastifyInstance,
  settings: RateLimitSettings,
  logger: Logger,
  identity: (request: FastifyRequest) => string | null = callerIdentity,
): Promise<InstalledRateLimits> {
  let redis: Redis | null = null;
  let closing = false;
  if (settings.redisUrl) {
    redis = new Redis(settings.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      connectTimeout: 2_000,
      // Reconnect forever (every 0.1–2 s) until the service closes.
      retryStrategy: (times) => (closing ? null : Math.min(times * 100, 2_000)),
    });
    let down = false;
    redis.on('error', (error: Error) => {
      if (down) return;
      down = true;
      logger.warn({ err: { message: error.message } }, 'rate limits: Redis unreachable; requests pass unlimited until it is back');
    });
    redis.on('ready', () => {
      if (down) logger.info('rate limits: Redis reachable again');
      down = false;
    });
    // Commands are not queued while disconnected (a request must not wait for Redis): start connected.
    const connected = redis;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      const done = (): void => {
        clearTimeout(timer);
        connected.off('ready', done);
        connected.off('error', done);
        resolve();
      };
      connected.once('ready', done);
      connected.once('error', done);
    });
  }
  await fastify.register(fastifyRateLimit, {
    global: false,
    skipOnError: true,
    ...(redis ? { redis, nameSpace: settings.keyPrefix } : {}),
  });
  const create = (fastify as unknown as { createRateLimit(options: object): Limiter }).createRateLimit;
  const perIp = settings.perIp > 0 ? create({ max: settings.perIp, timeWindow: settings.windowMs, keyGenerator: (r: FastifyRequest) => `ip:${ipKey(r)}` }) : null;
  const perIdentity =
    settings.perIdentity > 0 ? create({ max: settings.perIdentity, timeWindow: settings.windowMs, keyGenerator: (r: FastifyRequest) => `id:${identity(r) ?? ''}` }) : null;

  const count = async (limiter: Limiter, policy: LimitOutcome['policy'], request: FastifyRequest, reply: FastifyReply): Promise<LimitOutcome | null> => {
    const result = await limiter(request);
    if (result.isAllowed || result.max === undefined) return null;
    const outcome: LimitOutcome = {
      policy,
      max: result.max,
      remaining: result.remaining ?? 0,
      resetSeconds: Math.max(result.ttlInSeconds ?? 0, 0),
      exceeded: result.isExceeded === true,
    };
    setHeaders(reply, outcome, settings.windowMs);
    if (outcome.exceeded) reply.header('retry-after', String(Math.max(outcome.resetSeconds, 1)));
    return outcome;
  };
  const problem = (outcome: LimitOutcome, instance: string) => ({
    type: ProblemTypes.tooManyRequests,
    title: 'Too Many Requests',
    status: 429,
    detail: `more than ${outcome.max} requests in ${Math.round(settings.windowMs / 1000)} s ${outcome.policy === 'ip' ? 'from this address' : 'for this caller'}; retry after ${Math.max(outcome.resetSeconds, 1)} s`,
    instance,
    policy: outcome.policy,
    limit: outcome.max,
    windowSeconds: Math.round(settings.windowMs / 1000),
  });

  if (perIp) {
    fastify.addHook('onRequest', async (request, reply) => {
      const outcome = await count(perIp, 'ip', request, reply);
      if (outcome?.exceeded) return reply.code(429).type(PROBLEM_JSON).send(problem(outcome, request.url.split('?')[0]!));
    });
  }
  return {
    store: redis ? 'redis' : 'memory',
    async checkIdentity(request, reply) {
      if (!perIdentity || identity(request) === null) return;
      const outcome = await count(perIdentity, 'identity', request, reply);
      if (outcome?.exceeded) {
        const { status, ...rest } = problem(outcome, request.url.split('?')[0]!);
        throw new ProblemDetailsException({ status, ...rest });
      }
    },
    async close() {
      if (!redis) return;
      if (redis.status === 'ready') await redis.quit().catch(() => undefined);
      closing = true;
      redis.disconnect();
    },
  };
}

function ipKey(request: FastifyRequest): string {
  return fastifyRateLimit.normalizeIP(request.ip);
}

/**
 * `RateLimit-Policy: "ip";q=1000;w=60` and `RateLimit: "ip";r=998;t=42` (the draft's structured
 * fields), plus `X-RateLimit-*` for clients that know only those. With two limits on a request the
 * later (identity) one is what the headers show when it is the tighter.
 */
function setHeaders(reply: FastifyReply, outcome: LimitOutcome, windowMs: number): void {
  const previous = reply.getHeader('x-ratelimit-remaining');
  if (previous !== undefined && Number(previous) < outcome.remaining) return;
  const windowSeconds = Math.max(1, Math.round(windowMs / 1000));
  reply.header('ratelimit-policy', `"${outcome.policy}";q=${outcome.max};w=${windowSeconds}`);
  reply.header('ratelimit', `"${outcome.policy}";r=${outcome.remaining};t=${outcome.resetSeconds}`);
  reply.header('x-ratelimit-limit', String(outcome.max));
  reply.header('x-ratelimit-remaining', String(outcome.remaining));
  reply.header('x-ratelimit-reset', String(outcome.resetSeconds));
}

/**
 * The per-caller limit, as a global guard the platform registers after the AuthGuard: the caller
 * the guard authenticated is known here (and the body's `customerId` on anonymous routes).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly limits: InstalledRateLimits) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    await this.limits.checkIdentity(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
    return true;
  }
}
