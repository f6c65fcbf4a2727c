// Runs the inventory service in-process against the real PostgreSQL and NATS, in a schema and a
// subject namespace of its own, for the specs. Not used by the service itself.
import { expect } from '@jest/globals';
import type { RecordedEvent } from '@stockflow/event-sourcing';
import { deleteNamespaceStreams, uniqueNamespace } from '@stockflow/messaging/testing';
import { loadConfig, PROBLEM_JSON, type RunningService } from '@stockflow/platform';
import { createPool, dropSchema, quoteSchema, uniqueSchemaName } from '@stockflow/postgres';
import type { Server } from 'node:http';
import request from 'supertest';
import type { Response } from 'supertest';
import { skuStreamId } from '../domain/sku.js';
import { InventoryConfig } from '../inventory-config.js';
import { startInventoryService } from '../inventory-service.js';
import { SkuCommands } from '../shared/sku-commands.js';

export interface InventoryHarness {
  readonly running: RunningService;
  readonly config: InventoryConfig;
  readonly schema: string;
  readonly namespace: string;
  readonly server: Server;
  /** A supertest client of the service. */
  http(): ReturnType<typeof request>;
  readonly commands: SkuCommands;
  /** Every event of a SKU's stream, from the store. */
  stream(sku: string): Promise<RecordedEvent[]>;
  /** The store's head position and the number of stored events: together they show whether anything was appended. */
  footprint(): Promise<{ head: string | null; events: number }>;
  stop(): Promise<void>;
}

export function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

export async function startInventoryHarness(env: Record<string, string> = {}): Promise<InventoryHarness> {
  const schema = uniqueSchemaName('t_inv');
  const namespace = uniqueNamespace();
  const config = loadConfig(InventoryConfig, { DB_SCHEMA: schema, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn', ...env });
  let running: RunningService | undefined;
  for (let attempt = 1; !running; attempt++) {
    try {
      running = await startInventoryService(config, { port: randomPort(), handleSignals: false });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= 5) {
        await cleanUp(schema, null, namespace);
        throw error;
      }
    }
  }
  const service = running;
  const server = service.service.app.getHttpServer() as Server;
  const { store, pool } = service.infrastructure;
  const eventsTable = `${quoteSchema(schema)}.events`;
  return {
    running: service,
    config,
    schema,
    namespace,
    server,
    http: () => request(server),
    commands: service.service.app.get(SkuCommands),
    stream: async (sku) => (await store.readStream(skuStreamId(sku))).events,
    footprint: async () => {
      // Without the reader's xmin guard: another run's open transaction on the shared server may
      // hold headPosition() back, which says nothing about this test's appends.
      const { rows } = await pool.query<{ n: number; last: number | null }>(`SELECT count(*)::int AS n, max(global_position)::int AS last FROM ${eventsTable}`);
      return { head: rows[0]!.last === null ? null : String(rows[0]!.last), events: rows[0]!.n };
    },
    stop: () => cleanUp(schema, service, namespace),
  };
}

async function cleanUp(schema: string, running: RunningService | null, namespace: string): Promise<void> {
  if (running) {
    await deleteNamespaceStreams(running.infrastructure.nats, namespace).catch(() => undefined);
    await running.stop();
  }
  const pool = createPool({ max: 1 });
  try {
    await dropSchema(pool, schema);
  } finally {
    await pool.end();
  }
}

/** The event types of a stream, in order. */
export function typesOf(events: readonly RecordedEvent[]): string[] {
  return events.map((e) => e.type);
}

/**
 * Asserts a 4xx `application/problem+json` answer (never a 5xx) and, when `fields` are given,
 * that its `errors` name exactly those fields.
 */
export function expectProblem(response: Response, status: number, fields?: readonly string[]): void {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${response.text}`);
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(response.headers['content-type']).toContain(PROBLEM_JSON);
  expect(response.body.status).toBe(status);
  expect(typeof response.body.type).toBe('string');
  expect(typeof response.body.detail).toBe('string');
  if (fields) {
    expect(Array.isArray(response.body.errors)).toBe(true);
    const named = (response.body.errors as { field: string; messages: string[] }[]).map((e) => e.field).sort();
    expect(named).toEqual([...fields].sort());
    for (const error of response.body.errors as { messages: string[] }[]) expect(error.messages.length).toBeGreaterThan(0);
  }
}

/** A request that must be refused: an exact 4xx problem with the named fields, and nothing appended. */
export interface BadRequestCase {
  readonly name: string;
  readonly send: (http: ReturnType<typeof request>) => Promise<Response>;
  readonly status: number;
  readonly fields?: readonly string[];
}

export async function expectRefusedWithoutAppend(harness: InventoryHarness, cases: readonly BadRequestCase[]): Promise<void> {
  const before = await harness.footprint();
  const failures: string[] = [];
  for (const c of cases) {
    const response = await c.send(harness.http());
    try {
      expectProblem(response, c.status, c.fields);
    } catch (error) {
      failures.push(`${c.name}: ${(error as Error).message.split('\n').slice(0, 6).join(' ')}`);
    }
  }
  expect(failures).toEqual([]);
  expect(await harness.footprint()).toEqual(before);
}

/** A body just over the 1 MiB limit. */
export function oversizedBody(field = 'quantity'): string {
  return JSON.stringify({ [field]: 1, padding: 'x'.repeat(1024 * 1024 + 16) });
}
