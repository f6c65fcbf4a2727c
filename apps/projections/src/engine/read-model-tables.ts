import type { Migration } from '@stockflow/postgres';
import type { Pool, PoolClient } from 'pg';
import { advanceCheckpointSql, advanceCheckpointValues, type CheckpointAdvance } from './checkpoints.js';
import {
  cartProjection,
  customerOrdersProjection,
  notificationDeliveriesProjection,
  skuActivityProjection,
  skuWaitingProjection,
  stockProjection,
  type CartRow,
  type ChannelDeliveriesRow,
  type OrderSummaryRow,
  type Projection,
  type SkuActivityRow,
  type SkuWaitingRow,
  type StockRow,
} from '../domain/index.js';

type Client = Pick<PoolClient, 'query'> | Pick<Pool, 'query'>;

interface Column<Row> {
  readonly column: string;
  /** Type in jsonb_to_recordset's column definition list and the table. */
  readonly sqlType: 'text' | 'integer' | 'timestamptz' | 'jsonb';
  readonly field: keyof Row & string;
}

/** How one projection's rows map to its table: the key column, the others, and their SQL types. */
export interface ReadModelTable<Row> {
  readonly projection: Projection<Row>;
  readonly table: string;
  readonly key: Column<Row>;
  readonly columns: readonly Column<Row>[];
  /** Extra indexes (created with the table, so a rebuild's `_next` table has them too). */
  readonly indexes: readonly string[];
}

const col = <Row>(column: string, sqlType: Column<Row>['sqlType'], field: keyof Row & string): Column<Row> => ({ column, sqlType, field });

export const stockTable: ReadModelTable<StockRow> = {
  projection: stockProjection,
  table: 'stock',
  key: col('sku', 'text', 'sku'),
  columns: [
    col('sku', 'text', 'sku'),
    col('name', 'text', 'name'),
    col('on_hand', 'integer', 'onHand'),
    col('reserved', 'integer', 'reserved'),
    col('available', 'integer', 'available'),
    col('low_stock_threshold', 'integer', 'lowStockThreshold'),
    col('status', 'text', 'status'),
    col('updated_at', 'timestamptz', 'updatedAt'),
  ],
  // By status (what needs attention), most recently changed first, and a case-insensitive SKU prefix.
  indexes: ['(status, sku)', '(updated_at DESC, sku DESC)', '(lower(sku) text_pattern_ops)'],
};

export const customerOrdersTable: ReadModelTable<OrderSummaryRow> = {
  projection: customerOrdersProjection,
  table: 'customer_orders',
  key: col('order_id', 'text', 'orderId'),
  columns: [
    col('order_id', 'text', 'orderId'),
    col('customer_id', 'text', 'customerId'),
    col('status', 'text', 'status'),
    col('lines', 'jsonb', 'lines'),
    col('total_quantity', 'integer', 'totalQuantity'),
    col('cart_id', 'text', 'cartId'),
    col('reason', 'text', 'reason'),
    col('placed_at', 'timestamptz', 'placedAt'),
    col('updated_at', 'timestamptz', 'updatedAt'),
  ],
  indexes: ['(customer_id, placed_at, order_id)'],
};

export const cartsTable: ReadModelTable<CartRow> = {
  projection: cartProjection,
  table: 'carts',
  key: col('cart_id', 'text', 'cartId'),
  columns: [
    col('cart_id', 'text', 'cartId'),
    col('customer_id', 'text', 'customerId'),
    col('status', 'text', 'status'),
    col('lines', 'jsonb', 'lines'),
    col('order_id', 'text', 'orderId'),
    col('created_at', 'timestamptz', 'createdAt'),
    col('updated_at', 'timestamptz', 'updatedAt'),
  ],
  indexes: [],
};

export const notificationDeliveriesTable: ReadModelTable<ChannelDeliveriesRow> = {
  projection: notificationDeliveriesProjection,
  table: 'notification_deliveries',
  key: col('channel', 'text', 'channel'),
  columns: [
    col('channel', 'text', 'channel'),
    col('delivered', 'integer', 'delivered'),
    col('failed', 'integer', 'failed'),
    col('undelivered', 'integer', 'undelivered'),
    col('last_latency_ms', 'integer', 'lastLatencyMs'),
    col('updated_at', 'timestamptz', 'updatedAt'),
  ],
  indexes: [],
};

export const skuActivityTable: ReadModelTable<SkuActivityRow> = {
  projection: skuActivityProjection,
  table: 'sku_activity',
  key: col('sku', 'text', 'sku'),
  columns: [col('sku', 'text', 'sku'), col('recent', 'jsonb', 'recent'), col('reservations', 'jsonb', 'reservations'), col('updated_at', 'timestamptz', 'updatedAt')],
  indexes: [],
};

export const skuWaitingTable: ReadModelTable<SkuWaitingRow> = {
  projection: skuWaitingProjection,
  table: 'sku_waiting',
  key: col('sku', 'text', 'sku'),
  columns: [col('sku', 'text', 'sku'), col('waiting', 'integer', 'waiting'), col('updated_at', 'timestamptz', 'updatedAt')],
  indexes: [],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyReadModelTable = ReadModelTable<any>;

/** Every read model the service keeps, in the order they are started and rebuilt. */
export const READ_MODEL_TABLES: readonly AnyReadModelTable[] = [stockTable, customerOrdersTable, cartsTable, notificationDeliveriesTable, skuActivityTable, skuWaitingTable];

/** `CREATE TABLE` for a read model under any name (the live one, or `<table>_next` for a rebuild). */
export function createTableSql(schema: string, spec: AnyReadModelTable, name = spec.table): string {
  const columns = spec.columns.map((c) => `${c.column} ${c.sqlType}${c.column === spec.key.column ? ' PRIMARY KEY' : ''}`).join(', ');
  const indexes = spec.indexes.map((ix) => `CREATE INDEX ON ${schema}.${name} ${ix};`).join('\n');
  return `CREATE TABLE ${schema}.${name} (${columns});\n${indexes}`;
}

export const projectionMigrations: readonly Migration[] = [
  {
    id: '0001-read-models',
    sql: (schema) => `
      ${[stockTable, customerOrdersTable, cartsTable].map((t) => createTableSql(schema, t)).join('\n')}
      CREATE TABLE ${schema}.projection_checkpoints (
        projection text PRIMARY KEY,
        stream text NOT NULL,
        sequence bigint NOT NULL DEFAULT 0,
        events_applied bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  // Tables of read models added later get a migration each; a rebuild recreates them like the rest.
  { id: '0002-notification-deliveries', sql: (schema) => createTableSql(schema, notificationDeliveriesTable) },
  // Statuses are spelt in kebab-case on every side of the API (ADR 0013); rows written before keep no old spelling.
  {
    id: '0003-kebab-case-statuses',
    sql: (schema) => `
      UPDATE ${schema}.${stockTable.table} SET status = replace(status, '_', '-') WHERE status IN ('in_stock', 'low_stock', 'out_of_stock');
      UPDATE ${schema}.${cartsTable.table} SET status = 'checked-out' WHERE status = 'checked_out';
    `,
  },
  // The dashboard pages stock most recently changed first and searches it by SKU (issue 18).
  {
    id: '0004-stock-recent-and-search',
    sql: (schema) => `
      CREATE INDEX IF NOT EXISTS stock_recent ON ${schema}.${stockTable.table} (updated_at DESC, sku DESC);
      CREATE INDEX IF NOT EXISTS stock_sku_prefix ON ${schema}.${stockTable.table} (lower(sku) text_pattern_ops);
    `,
  },
  // A SKU's detail on the dashboard: its recent events and open reservations, and who waits for it.
  { id: '0005-sku-activity-and-waiting', sql: (schema) => `${createTableSql(schema, skuActivityTable)}\n${createTableSql(schema, skuWaitingTable)}` },
  // SMS the provider accepted and later reported undelivered (ADR 0031). A schema made after this change has it from 0002.
  { id: '0006-undelivered-sms', sql: (schema) => `ALTER TABLE ${schema}.${notificationDeliveriesTable.table} ADD COLUMN IF NOT EXISTS undelivered integer NOT NULL DEFAULT 0` },
];

function toRecord<Row>(spec: ReadModelTable<Row>, row: Row): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const c of spec.columns) record[c.column] = row[c.field];
  return record;
}

/** A database row back to the projection's row (timestamps as ISO strings, as in the envelope). */
export function fromRecord<Row>(spec: ReadModelTable<Row>, record: Record<string, unknown>): Row {
  const row: Record<string, unknown> = {};
  for (const c of spec.columns) {
    const value = record[c.column];
    row[c.field] = value instanceof Date ? value.toISOString() : value;
  }
  return row as Row;
}

/** The rows with these keys, in one query. */
export async function loadRows<Row>(client: Client, schema: string, spec: ReadModelTable<Row>, keys: readonly string[], table = spec.table): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  if (keys.length === 0) return rows;
  const result = await client.query(`SELECT * FROM ${schema}.${table} WHERE ${spec.key.column} = ANY($1::text[])`, [keys]);
  for (const record of result.rows as Record<string, unknown>[]) rows.set(String(record[spec.key.column]), fromRecord(spec, record));
  return rows;
}

/**
 * Inserts or replaces the rows in one statement (jsonb_to_recordset: one parameter, any row count);
 * with `advance`, the same statement moves the projection's checkpoint (one round trip, not two).
 */
export async function upsertRows<Row>(client: Client, schema: string, spec: ReadModelTable<Row>, rows: readonly Row[], table = spec.table, advance?: CheckpointAdvance): Promise<void> {
  if (rows.length === 0) {
    if (advance) await client.query(advanceCheckpointSql(schema, 1), advanceCheckpointValues(advance));
    return;
  }
  const names = spec.columns.map((c) => c.column);
  const definition = spec.columns.map((c) => `${c.column} ${c.sqlType}`).join(', ');
  const updates = spec.columns.filter((c) => c.column !== spec.key.column).map((c) => `${c.column} = EXCLUDED.${c.column}`).join(', ');
  const upsert = `INSERT INTO ${schema}.${table} (${names.join(', ')})
     SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${definition})
     ON CONFLICT (${spec.key.column}) DO UPDATE SET ${updates}`;
  const values: unknown[] = [JSON.stringify(rows.map((row) => toRecord(spec, row)))];
  if (!advance) return void (await client.query(upsert, values));
  await client.query(`WITH upserted AS (${upsert}) ${advanceCheckpointSql(schema, 2)}`, [...values, ...advanceCheckpointValues(advance)]);
}
