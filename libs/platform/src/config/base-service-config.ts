import { LOG_LEVELS, type LogLevel } from '../logging/logger.js';
import { EnvEnum, EnvInt, EnvOptional, EnvPort, EnvSecret, EnvString, EnvUrl } from './env-decorators.js';
import { RuntimeModeFields } from './runtime-mode-fields.js';

/**
 * The variables every service reads. Extend it with the service's own and give `SERVICE_NAME` a
 * default there (`override SERVICE_NAME = 'inventory'`), then `loadConfig(InventoryConfig)`.
 */
export class BaseServiceConfig extends RuntimeModeFields {
  @EnvOptional()
  @EnvString({ pattern: /^[a-z][a-z0-9-]*$/, description: 'a lower-case service name such as "inventory"' })
  SERVICE_NAME?: string;

  @EnvPort()
  PORT!: number;

  @EnvString({ pattern: /^[A-Za-z0-9.:[\]-]+$/, description: 'a host name or IP address to listen on' })
  HOST: string = '127.0.0.1';

  @EnvUrl(['postgres', 'postgresql'])
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/postgres';

  @EnvString({ pattern: /^[a-z_][a-z0-9_]{0,62}$/, description: 'a lower-case SQL identifier such as "inventory"' })
  DB_SCHEMA!: string;

  @EnvUrl(['nats', 'tls', 'ws', 'wss'], { list: true })
  NATS_URL: string = 'nats://127.0.0.1:4222';

  /**
   * The process's NATS user (ADR 0020: one per process, permissions generated from the system
   * manifest). Unset: an anonymous connection, as the development NATS server allows.
   */
  @EnvOptional()
  @EnvString({ pattern: /^[a-z][a-z0-9-]*$/, description: 'a NATS user name such as "relay-orders"' })
  NATS_USER?: string;

  /** The NATS user's password. A secret: never logged, never echoed in configuration errors. */
  @EnvOptional()
  @EnvSecret()
  @EnvString({ pattern: /^\S{16,}$/, description: 'a password of at least 16 characters without spaces' })
  NATS_PASSWORD?: string;

  /** Prefix of every subject and stream name; isolates test runs and tenants sharing one NATS server. */
  @EnvOptional()
  @EnvString({ pattern: /^[a-z][a-z0-9]*$/, description: 'a subject namespace of lower-case letters and digits' })
  NATS_NAMESPACE?: string;

  /**
   * How many servers of the NATS cluster keep each stream this process provisions: 1 on one server,
   * 3 on a three-node cluster (R3: a stream survives the loss of one node). Streams are created with
   * it and an existing stream with fewer replicas is raised to it, never lowered.
   */
  @EnvInt({ min: 1, max: 5 })
  NATS_STREAM_REPLICAS: number = 1;

  /**
   * The OpenID Provider whose bearer tokens the service accepts (ADR 0025): its issuer identifier,
   * e.g. `http://127.0.0.1:3007` for the development identity provider of `npm start`.
   */
  @EnvOptional()
  @EnvUrl(['http', 'https'])
  AUTH_ISSUER?: string;

  /** The audience (`aud`) every accepted token must name. */
  @EnvString({ pattern: /^[A-Za-z0-9:/._-]{1,200}$/, description: 'an audience such as "stockflow"' })
  AUTH_AUDIENCE: string = 'stockflow';

  /** The key of SSE stream tickets, shared by a service's replicas; unset: a random key per process. */
  @EnvOptional()
  @EnvSecret()
  @EnvString({ pattern: /^\S{32,}$/, description: 'a secret of at least 32 characters without spaces' })
  AUTH_STREAM_TICKET_SECRET?: string;

  /** The process's own OAuth client (client credentials), when it calls stockflow's APIs itself. */
  @EnvOptional()
  @EnvString({ pattern: /^[a-z][a-z0-9-]{0,62}$/, description: 'a lower-case client id such as "notifier"' })
  AUTH_CLIENT_ID?: string;

  @EnvOptional()
  @EnvSecret()
  @EnvString({ pattern: /^\S{32,}$/, description: 'a secret of at least 32 characters without spaces' })
  AUTH_CLIENT_SECRET?: string;

  /** Origins a browser may call the service from (CORS), comma-separated; unset: none. */
  @EnvOptional()
  @EnvUrl(['http', 'https'], { list: true })
  CORS_ORIGINS?: string;

  @EnvEnum(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /**
   * The context's event log on EventStoreDB (KurrentDB) instead of its PostgreSQL schema (ADR 0046),
   * e.g. `esdb://127.0.0.1:2113?tls=false` (or `kurrentdb://…`); credentials go in the string. The read models, inbox,
   * Idempotency-Keys and the relay's checkpoint stay in PostgreSQL. The notifications context
   * (service and notifier) refuses it: its decisions need one transaction with its own rows.
   */
  @EnvOptional()
  @EnvSecret()
  @EnvUrl(['esdb', 'esdb+discover', 'kurrentdb', 'kurrentdb+discover'])
  EVENTSTORE_URL?: string;

  /**
   * The prefix of the context's streams on the EventStoreDB server (`inventory.` stores `sku-42` as
   * `inventory.sku-42`): the context's global log and its relay's subscription are the streams that
   * start with it. Unset: the schema's name and a dot.
   */
  @EnvOptional()
  @EnvString({ pattern: /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/, description: 'letters, digits, "_", ".", ":" or "-", not starting with "$" (at most 63)' })
  EVENTSTORE_STREAM_PREFIX?: string;

  /**
   * Appends of concurrent commands that go to PostgreSQL as one statement at most (group commit; 1
   * turns it off). Each stream keeps its own optimistic-concurrency check.
   */
  @EnvInt({ min: 1, max: 1000 })
  APPEND_BATCH_MAX: number = 256;

  /**
   * PostgreSQL connections of the service's pool. Group commit keeps few in use; a whole system on
   * one server stays well below PostgreSQL's default max_connections of 100.
   */
  @EnvInt({ min: 2, max: 200 })
  DB_POOL_MAX: number = 8;

  /**
   * Redis, where the rate-limit counters of every replica meet (ADR 0028). Unset: each process counts
   * in its own memory, which is right for development only (the process refuses to start without it
   * when NODE_ENV=production).
   */
  @EnvOptional()
  @EnvSecret()
  @EnvUrl(['redis', 'rediss'])
  REDIS_URL?: string;

  /** Requests per RATE_LIMIT_WINDOW_MS from one client IP (IPv6: one /64), on every route; 0: no limit. */
  @EnvInt({ min: 0, max: 10_000_000 })
  RATE_LIMIT_PER_IP: number = 1_000;

  /**
   * Requests per RATE_LIMIT_WINDOW_MS for one caller: the customer a request is about (path or body
   * `customerId`), the verified token's subject once callers authenticate; 0: no limit.
   */
  @EnvInt({ min: 0, max: 10_000_000 })
  RATE_LIMIT_PER_IDENTITY: number = 300;

  @EnvInt({ min: 1_000, max: 86_400_000 })
  RATE_LIMIT_WINDOW_MS: number = 60_000;

  /** Prefix of the counters' Redis keys. */
  @EnvString({ pattern: /^[A-Za-z0-9:_-]{1,64}$/, description: 'letters, digits, ":", "_" or "-" (at most 64)' })
  RATE_LIMIT_KEY_PREFIX: string = 'stockflow:ratelimit:';

  /**
   * How long a client may take to send a whole request (headers and body), in milliseconds: a
   * client that declares a body and stalls is cut off with 408 after this (checked every second).
   * Bodies are small (see the per-route limits, ADR 0022), so a few seconds is plenty.
   */
  @EnvInt({ min: 1000, max: 300_000 })
  HTTP_REQUEST_TIMEOUT_MS: number = 5_000;

  /**
   * How long an Idempotency-Key claim holds its key without a result (ADR 0022): a key whose owner
   * died before committing answers 409 until then, and is taken over by the next retry after.
   */
  @EnvInt({ min: 100, max: 600_000 })
  IDEMPOTENCY_LEASE_MS: number = 10_000;
}
