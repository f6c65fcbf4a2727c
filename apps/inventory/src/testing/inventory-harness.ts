// Runs the inventory service in-process against the real PostgreSQL and NATS, in a schema and a
// subject namespace of its own, for the specs. Not used by the service itself. What every service's
// tests share is in @stockflow/testing; here is only what is inventory's own.
import { expect } from '@jest/globals';
import type { RecordedEvent } from '@stockflow/event-sourcing';
import { loadConfig } from '@stockflow/platform';
import { expectProblem, startServiceUnderTest, type ServiceUnderTest, TEST_RATE_LIMIT_ENV } from '@stockflow/testing';
import type request from 'supertest';
import type { Response } from 'supertest';
import { skuStreamId } from '../domain/sku.js';
import { InventoryConfig } from '../inventory-config.js';
import { startInventoryService } from '../inventory-service.js';
import { SkuCommands } from '../shared/sku-commands.js';

export interface InventoryHarness extends ServiceUnderTest {
  readonly config: InventoryConfig;
  readonly commands: SkuCommands;
  /** Every event of a SKU's stream, from the store. */
  stream(sku: string): Promise<RecordedEvent[]>;
}

export async function startInventoryHarness(env: Record<string, string> = {}): Promise<InventoryHarness> {
  let config!: InventoryConfig;
  const service = await startServiceUnderTest('t_inv', ({ schema, namespace }, options) => {
    config = loadConfig(InventoryConfig, { DB_SCHEMA: schema, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn', ...TEST_RATE_LIMIT_ENV, ...env });
    return startInventoryService(config, options);
  });
  const { store } = service.running.infrastructure;
  return {
    ...service,
    config,
    commands: service.running.service.app.get(SkuCommands),
    stream: async (sku) => (await store.readStream(skuStreamId(sku))).events,
  };
}

/** The event types of a stream, in order. */
export function typesOf(events: readonly RecordedEvent[]): string[] {
  return events.map((e) => e.type);
}

/** A request that must be refused: an exact 4xx problem with the named fields, and nothing appended. */
export interface BadRequestCase {
  readonly name: string;
  readonly send: (http: ReturnType<typeof request>) => Promise<Response>;
  readonly status: number;
  readonly fields?: readonly string[];
}

export async function expectRefusedWithoutAppend(harness: InventoryHarness, cases: readonly BadRequestCase[]): Promise<void> {
  const before = await harness.logState();
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
  expect(await harness.logState()).toEqual(before);
}
