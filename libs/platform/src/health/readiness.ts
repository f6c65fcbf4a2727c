import type { NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';

/** What a readiness check reports; `details` end up in `/health/ready`'s answer. */
export interface ReadinessResult {
  readonly healthy: boolean;
  readonly details?: object;
}

/** A readiness check. Throwing (or timing out) counts as unhealthy, with the error message as detail. */
export type ReadinessCheck = () => Promise<ReadinessResult>;

export interface ReadinessCheckOptions {
  /** A check that has not answered after this long is unhealthy. Default 2000 ms. */
  readonly timeoutMs?: number;
}

export interface RegisteredReadinessCheck {
  readonly name: string;
  readonly check: ReadinessCheck;
  readonly timeoutMs: number;
}

export const DEFAULT_READINESS_TIMEOUT_MS = 2000;

/**
 * The readiness checks of one service, run by `GET /health/ready`. Inject it (or use the
 * `registerReadinessCheck` of `createService`'s result) to add checks, e.g. the relay's lag.
 */
export class ReadinessChecks {
  private readonly checks = new Map<string, RegisteredReadinessCheck>();

  register(name: string, check: ReadinessCheck, options: ReadinessCheckOptions = {}): this {
    if (!/^[A-Za-z0-9_.:-]+$/.test(name)) throw new Error(`readiness check name "${name}" must match [A-Za-z0-9_.:-]+`);
    if (this.checks.has(name)) throw new Error(`readiness check "${name}" is registered twice`);
    this.checks.set(name, { name, check, timeoutMs: options.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS });
    return this;
  }

  unregister(name: string): boolean {
    return this.checks.delete(name);
  }

  list(): RegisteredReadinessCheck[] {
    return [...this.checks.values()];
  }
}

/** `SELECT 1` on the pool: healthy when PostgreSQL answers. */
export function postgresReadinessCheck(pool: Pick<Pool, 'query' | 'totalCount' | 'idleCount' | 'waitingCount'>): ReadinessCheck {
  return async () => {
    await pool.query('SELECT 1');
    return { healthy: true, details: { pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } } };
  };
}

/**
 * A read of one (absent) stream of the context's log on EventStoreDB (ADR 0046): healthy when the
 * server answers. PostgreSQL logs need none: the pool's check covers them.
 */
export function eventLogReadinessCheck(log: { readStream(streamId: string, options?: { maxCount?: number }): Promise<unknown> }, streamPrefix: string): ReadinessCheck {
  return async () => {
    await log.readStream('readiness-probe', { maxCount: 1 });
    return { healthy: true, details: { eventStoreDb: { streamPrefix } } };
  };
}

export interface NatsReadinessOptions {
  /** Round-trip a `flush()` to the server, not only look at the connection state. Default true. */
  readonly flush?: boolean;
}

/** Healthy while the NATS connection is open (not closed, not draining) and, by default, answers a flush. */
export function natsReadinessCheck(
  connection: Pick<NatsConnection, 'isClosed' | 'isDraining' | 'flush' | 'getServer'>,
  options: NatsReadinessOptions = {},
): ReadinessCheck {
  return async () => {
    const server = connection.getServer();
    if (connection.isClosed()) return { healthy: false, details: { server, message: 'connection closed' } };
    if (connection.isDraining()) return { healthy: false, details: { server, message: 'connection draining' } };
    if (options.flush ?? true) await connection.flush();
    return { healthy: true, details: { server } };
  };
}

export interface LagReadinessOptions {
  /** Unhealthy when the lag is above this. */
  readonly maxLag: number;
}

/** Healthy while `lag()` is at most `maxLag` — e.g. the outbox relay's unpublished events. */
export function lagReadinessCheck(lag: () => number | Promise<number>, options: LagReadinessOptions): ReadinessCheck {
  return async () => {
    const current = await lag();
    return { healthy: current <= options.maxLag, details: { lag: current, maxLag: options.maxLag } };
  };
}
