// The orders service as a real process, killed with SIGKILL between the append of an order placed
// with an Idempotency-Key and its answer (test-only crash points, STOCKFLOW_CRASH_AT, ADR 0022),
// then started again: the retry with the same key gets the first result and the order is placed once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool } from '@stockflow/postgres';
import { newIsolation, removeIsolation, startTestProcesses, withFreePorts, type TestIsolation, type TestProcesses } from '@stockflow/testing';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';

const LEASE_MS = 4_000;

describe('orders killed between the append and the answer of an Idempotency-Key request', () => {
  let isolation: TestIsolation;
  let pool: Pool;
  const started: TestProcesses[] = [];

  beforeAll(() => {
    isolation = newIsolation('t_orders_crash');
    pool = createPool({ max: 2 });
  });
  afterAll(async () => {
    for (const processes of started) await processes.stop();
    await removeIsolation(isolation, { pool });
    await pool.end();
  });

  /** One orders process on the run's schema; `crashAt` arms a crash point. */
  async function startOrders(crashAt?: string): Promise<string> {
    const processes = await withFreePorts(1, ([port]) =>
      startTestProcesses([
        {
          name: 'orders',
          entry: 'apps/orders/dist/main.js',
          port: port!,
          env: { DB_SCHEMA: isolation.schema, NATS_NAMESPACE: isolation.namespace, IDEMPOTENCY_LEASE_MS: String(LEASE_MS), ...(crashAt ? { STOCKFLOW_CRASH_AT: crashAt } : {}) },
        },
      ]),
    );
    started.push(processes);
    return processes.url('orders');
  }

  const place = (url: string, key: string, customerId: string) =>
    fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ customerId, lines: [{ sku: 'SKU-1', quantity: 1 }] }),
    });

  /** The OrderPlaced events of a customer in the log: what the retries must not double. */
  async function placedFor(customerId: string): Promise<string[]> {
    const { rows } = await pool.query<{ stream_id: string }>(`SELECT stream_id FROM ${isolation.schema}.events WHERE type = 'OrderPlaced' AND data->>'customerId' = $1`, [customerId]);
    return rows.map((row) => row.stream_id);
  }

  it('after a crash past the commit, the retry replays the first result and the order is in the log once', async () => {
    const crashing = await startOrders('idempotency:after-commit');
    await expect(place(crashing, 'crash-after-commit', 'customer-after')).rejects.toThrow(); // no answer: the process died
    const placed = await placedFor('customer-after');
    expect(placed).toHaveLength(1); // committed before the crash

    const url = await startOrders();
    const retry = await place(url, 'crash-after-commit', 'customer-after');
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const { orderId } = (await retry.json()) as { orderId: string };
    expect(placed[0]).toBe(`order-${orderId}`);
    expect(retry.headers.get('location')).toBe(`/orders/${orderId}`);
    expect(await placedFor('customer-after')).toHaveLength(1);
  });

  it('after a crash before the commit, the key is taken over once its lease ends and the order is placed once', async () => {
    const crashing = await startOrders('idempotency:before-commit');
    await expect(place(crashing, 'crash-before-commit', 'customer-before')).rejects.toThrow();
    const diedAt = performance.now();
    expect(await placedFor('customer-before')).toHaveLength(0); // rolled back with the process

    const url = await startOrders();
    let first: Response | undefined;
    const statuses: number[] = [];
    for (;;) {
      const retry = await place(url, 'crash-before-commit', 'customer-before');
      statuses.push(retry.status);
      if (retry.status !== 409) {
        first = retry;
        break;
      }
      expect(Number(retry.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      if (performance.now() - diedAt > LEASE_MS + 20_000) throw new Error(`the key was never taken over: ${statuses.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    console.log(`dead owner's claim taken over ${Math.round(performance.now() - diedAt)} ms after the crash (lease ${LEASE_MS} ms; answers before: ${statuses.slice(0, -1).length} × 409)`);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const { orderId } = (await first.json()) as { orderId: string };
    expect(await placedFor('customer-before')).toEqual([`order-${orderId}`]);
    const replay = await place(url, 'crash-before-commit', 'customer-before');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual({ orderId });
    expect(await placedFor('customer-before')).toHaveLength(1);
  });
});
