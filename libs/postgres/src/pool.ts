import pg from 'pg';

export interface PoolOptions {
  /** Defaults to `DATABASE_URL`, else the local development server. */
  readonly connectionString?: string;
  readonly max?: number;
  /** Shown in `pg_stat_activity`, so a stuck session can be traced to its service. */
  readonly applicationName?: string;
}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const INT8_OID = 20;

// Positions, versions and counts are bigint columns, but the port speaks JS numbers; they stay far
// below 2^53. The parser is set per pool rather than on the global `pg.types`, so other pg users in
// the same process keep their own choice.
export const int8AsNumber: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export function createPool(options: PoolOptions = {}): pg.Pool {
  return new pg.Pool({
    connectionString: options.connectionString ?? process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL,
    max: options.max ?? 10,
    application_name: options.applicationName,
    types: int8AsNumber,
  });
}
