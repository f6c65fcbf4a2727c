import { migrate, quoteSchema, type Migration } from '@stockflow/postgres';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

export const httpIdempotencyMigrations: readonly Migration[] = [
  {
    id: 'http-idempotency/001-create',
    sql: (schema) => `
      CREATE TABLE ${schema}.http_idempotency (
        idempotency_key text PRIMARY KEY,
        request_hash text NOT NULL,
        status int,
        body jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
  },
  {
    id: 'http-idempotency/002-headers',
    sql: (schema) => `ALTER TABLE ${schema}.http_idempotency ADD COLUMN headers jsonb`,
  },
  {
    // A claim is a lease (ADR 0022): the owner's token and when the lease ends. Claims left by
    // the old code (no lease) count as expired.
    id: 'http-idempotency/003-lease',
    sql: (schema) => `ALTER TABLE ${schema}.http_idempotency ADD COLUMN owner text, ADD COLUMN lease_expires_at timestamptz`,
  },
];

/** Default lease of a claim: how long a key stays "in progress" when its owner dies before committing. */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 10_000;

export type IdempotencyClaim =
  /** This request owns the key: `owner` fences what it records (`complete`, `release`). */
  | { readonly kind: 'claimed'; readonly owner: string; readonly takenOver: boolean }
  /** Another request holds the key; its lease ends in `retryAfterMs`. */
  | { readonly kind: 'in-progress'; readonly retryAfterMs: number }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'completed'; readonly status: number; readonly body: unknown; readonly headers: Readonly<Record<string, string>> };

/** Something that runs a statement: the pool, or the connection of an open transaction. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null; rows: unknown[] }>;
}

/** The claim's lease ended and another request took the key over: this one must not record (or commit) anything. */
export class IdempotencyLeaseLost extends Error {
  constructor(readonly key: string) {
    super('the Idempotency-Key was taken over by another request after its lease ended');
    this.name = 'IdempotencyLeaseLost';
  }
}

export interface HttpIdempotencyStoreOptions {
  /** How long a claim holds its key without a result. Default 10 s. */
  readonly leaseMs?: number;
}

/**
 * Remembers the outcome of POSTs by their `Idempotency-Key`, in the service's own schema. A claim is
 * a lease: it names its owner (a token per claim) and ends after `leaseMs`; a claim whose lease has
 * ended (its owner died, or hangs) is taken over by the next request with the same key and body.
 * `complete` and `release` only touch a claim their owner still holds, so a slow owner whose key was
 * taken over can neither record a result nor (when it records in its command's transaction) commit.
 */
export class HttpIdempotencyStore {
  readonly leaseMs: number;
  private readonly claimSql: string;
  private readonly readSql: string;
  private readonly completeSql: string;
  private readonly releaseSql: string;

  static async create(pool: Pool, schema: string, options: HttpIdempotencyStoreOptions = {}): Promise<HttpIdempotencyStore> {
    await migrate(pool, schema, httpIdempotencyMigrations);
    return new HttpIdempotencyStore(pool, schema, options);
  }

  constructor(
    private readonly pool: Pool,
    schema: string,
    options: HttpIdempotencyStoreOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
    const table = `${quoteSchema(schema)}.http_idempotency`;
    // Inserts a new claim, or takes over one whose lease ended, for the same request only.
    this.claimSql = `
      INSERT INTO ${table} AS t (idempotency_key, request_hash, owner, lease_expires_at)
      VALUES ($1, $2, $3, clock_timestamp() + make_interval(secs => $4::double precision / 1000))
      ON CONFLICT (idempotency_key) DO UPDATE
        SET owner = EXCLUDED.owner, lease_expires_at = EXCLUDED.lease_expires_at
        WHERE t.status IS NULL AND t.request_hash = EXCLUDED.request_hash
          AND (t.lease_expires_at IS NULL OR t.lease_expires_at <= clock_timestamp())
      RETURNING (xmax <> 0) AS taken_over`;
    this.readSql = `
      SELECT request_hash, status, body, headers,
             GREATEST(0, EXTRACT(EPOCH FROM (lease_expires_at - clock_timestamp())) * 1000)::float8 AS remaining_ms
      FROM ${table} WHERE idempotency_key = $1`;
    this.completeSql = `UPDATE ${table} SET status = $3, body = $4, headers = $5, lease_expires_at = NULL WHERE idempotency_key = $1 AND owner = $2 AND status IS NULL`;
    this.releaseSql = `DELETE FROM ${table} WHERE idempotency_key = $1 AND owner = $2 AND status IS NULL`;
  }

  /** Claims the key for this request, or says what an earlier request with the key did. */
  async claim(key: string, requestHash: string): Promise<IdempotencyClaim> {
    for (;;) {
      const owner = randomUUID();
      const claimed = await this.pool.query<{ taken_over: boolean }>(this.claimSql, [key, requestHash, owner, this.leaseMs]);
      if (claimed.rowCount === 1) return { kind: 'claimed', owner, takenOver: claimed.rows[0]!.taken_over };
      const { rows } = await this.pool.query<{ request_hash: string; status: number | null; body: unknown; headers: Record<string, string> | null; remaining_ms: number | null }>(
        this.readSql,
        [key],
      );
      const row = rows[0];
      if (!row) continue; // released between the two statements
      if (row.request_hash !== requestHash) return { kind: 'mismatch' };
      if (row.status !== null) return { kind: 'completed', status: row.status, body: row.body, headers: row.headers ?? {} };
      if (row.remaining_ms === null || row.remaining_ms <= 0) continue; // the lease ended between the two statements
      return { kind: 'in-progress', retryAfterMs: row.remaining_ms };
    }
  }

  /**
   * Records the result of the owner's request: on `connection` (the command's transaction, so that
   * the result commits with the events, or not at all), or on the pool. Throws `IdempotencyLeaseLost`
   * when the owner no longer holds the claim.
   */
  async complete(key: string, owner: string, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}, connection: Queryable = this.pool): Promise<void> {
    const updated = await connection.query(this.completeSql, [key, owner, status, JSON.stringify(body ?? null), JSON.stringify(headers)]);
    if (updated.rowCount !== 1) throw new IdempotencyLeaseLost(key);
  }

  /** Frees the key of a request that failed (nothing was committed), so that a retry runs again. */
  async release(key: string, owner: string): Promise<void> {
    await this.pool.query(this.releaseSql, [key, owner]);
  }
}
