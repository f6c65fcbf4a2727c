import { migrate, quoteSchema, type Migration } from '@stockflow/postgres';
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
];

export type IdempotencyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'in-progress' }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'completed'; readonly status: number; readonly body: unknown; readonly headers: Readonly<Record<string, string>> };

/** Remembers the outcome of POSTs by their `Idempotency-Key`, in the service's own schema. */
export class HttpIdempotencyStore {
  private readonly claimSql: string;
  private readonly readSql: string;
  private readonly completeSql: string;
  private readonly releaseSql: string;

  static async create(pool: Pool, schema: string): Promise<HttpIdempotencyStore> {
    await migrate(pool, schema, httpIdempotencyMigrations);
    return new HttpIdempotencyStore(pool, schema);
  }

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    const table = `${quoteSchema(schema)}.http_idempotency`;
    this.claimSql = `INSERT INTO ${table} (idempotency_key, request_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING`;
    this.readSql = `SELECT request_hash, status, body, headers FROM ${table} WHERE idempotency_key = $1`;
    this.completeSql = `UPDATE ${table} SET status = $2, body = $3, headers = $4 WHERE idempotency_key = $1`;
    this.releaseSql = `DELETE FROM ${table} WHERE idempotency_key = $1 AND status IS NULL`;
  }

  /** Claims the key for this request, or says what an earlier request with the key did. */
  async claim(key: string, requestHash: string): Promise<IdempotencyClaim> {
    const inserted = await this.pool.query(this.claimSql, [key, requestHash]);
    if (inserted.rowCount === 1) return { kind: 'claimed' };
    const { rows } = await this.pool.query<{ request_hash: string; status: number | null; body: unknown; headers: Record<string, string> | null }>(this.readSql, [key]);
    const row = rows[0];
    if (!row) return this.claim(key, requestHash); // released between the two statements
    if (row.request_hash !== requestHash) return { kind: 'mismatch' };
    if (row.status === null) return { kind: 'in-progress' };
    return { kind: 'completed', status: row.status, body: row.body, headers: row.headers ?? {} };
  }

  async complete(key: string, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Promise<void> {
    await this.pool.query(this.completeSql, [key, status, JSON.stringify(body ?? null), JSON.stringify(headers)]);
  }

  /** Frees the key of a request that failed, so that a retry runs again (nothing was written). */
  async release(key: string): Promise<void> {
    await this.pool.query(this.releaseSql, [key]);
  }
}
