import pg from 'pg';

/** Where a pool reports that its connections were lost and came back (a pino logger fits). */
export interface ConnectionLossLogger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export interface PoolOptions {
  /** Defaults to `DATABASE_URL`, else the local development server. */
  readonly connectionString?: string;
  readonly max?: number;
  /** Shown in `pg_stat_activity`, so a stuck session can be traced to its service. */
  readonly applicationName?: string;
  /**
   * Longest wait for a connection — a new one, or a free one from a full pool — before the
   * caller gets an error (ADR 0019). Default 5 s.
   */
  readonly connectionTimeoutMs?: number;
  /** Server-side `statement_timeout` of every session; 0 for none (a rebuild's long reads). Default 30 s. */
  readonly statementTimeoutMs?: number;
  /** Default: one JSON line on stderr per event. */
  readonly logger?: ConnectionLossLogger;
}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** See ADR 0019 for why these values. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** TCP keepalive: a peer that vanished without a reset is noticed in about this long plus the probes. */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000;

const INT8_OID = 20;

// Positions, versions and counts are bigint columns, but the port speaks JS numbers; they stay far
// below 2^53. The parser is set per pool rather than on the global `pg.types`, so other pg users in
// the same process keep their own choice.
export const int8AsNumber: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * A pool that outlives the database going away (ADR 0019): a connection that breaks while idle or
 * checked out is dropped (pg would otherwise raise an unhandled `'error'` and end the process), the
 * loss is logged once until a connection succeeds again, and new connections are made on demand.
 * Callers see their own query fail at once; a wait for a connection is bounded.
 */
export function createPool(options: PoolOptions = {}): pg.Pool {
  const statementTimeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: options.connectionString ?? process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL,
    max: options.max ?? 10,
    application_name: options.applicationName,
    types: int8AsNumber,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    ...(statementTimeout > 0 ? { statement_timeout: statementTimeout } : {}),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
  });
  watchConnectionLoss(pool, options.applicationName ?? 'postgres', options.logger ?? stderrLogger);
  countRoundTrips(pool);
  return pool;
}

const roundTrips = new WeakMap<pg.Pool, { count: number }>();

/**
 * Statements sent to the server by this pool's clients so far — each `query` call is one round trip
 * (`pg` does not pipeline; several statements in one text are one). The benchmark's cost model reads
 * it per process (`pg_round_trips_total`); 0 for a pool not made by `createPool`.
 */
export function poolRoundTrips(pool: pg.Pool): number {
  return roundTrips.get(pool)?.count ?? 0;
}

function countRoundTrips(pool: pg.Pool): void {
  const counter = { count: 0 };
  roundTrips.set(pool, counter);
  // Counted on each client as the pool makes it: every path to the server (pool.query, a checked-out
  // client, a transaction) goes through the client's query.
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      counter.count++;
      return query(...args);
    };
  });
}

/**
 * Keeps connection errors from becoming unhandled `'error'` events: the pool's (an idle client
 * broke) and each client's (it broke while checked out between two queries; its holder sees the
 * next query fail and releases it, and the pool drops it as not queryable).
 */
function watchConnectionLoss(pool: pg.Pool, name: string, logger: ConnectionLossLogger): void {
  let lost = false;
  const onError = (error: Error): void => {
    if (lost) return;
    lost = true;
    logger.warn({ pool: name, code: errorCode(error) }, 'PostgreSQL connection lost; reconnecting on demand');
  };
  pool.on('error', onError);
  pool.on('connect', (client) => {
    client.on('error', onError);
    if (!lost) return;
    lost = false;
    logger.info({ pool: name }, 'PostgreSQL connection restored');
  });
}

/**
 * The server's SQLSTATE or the system code; without one, pg's own fixed text ("Connection terminated
 * unexpectedly"). A server error's message may quote data, and it always has a code.
 */
function errorCode(error: Error): string {
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : error.message.slice(0, 100);
}

const stderrLogger: ConnectionLossLogger = {
  warn: (details, message) => writeLine('warn', details, message),
  info: (details, message) => writeLine('info', details, message),
};

function writeLine(level: string, details: object, message: string): void {
  process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), ...details, msg: message })}\n`);
}
