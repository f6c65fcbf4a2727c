// POST /orders against a real orders process: bodies are bounded per route (ADR 0022). Oversized
// orders are refused before they are read, mapped or validated, so that three clients sending them
// do not slow /health/live down; a client that stalls mid-body is cut off with 408.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newIsolation, removeIsolation, startTestProcesses, withFreePorts, type TestIsolation, type TestProcesses } from '@stockflow/testing';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { MAX_ORDER_LINES } from '../domain/order.js';
import { PLACE_ORDER_BOUNDS } from './place-order.dto.js';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** /health/live latencies while `during` runs (or for `ms` when idle). */
async function probeLiveness(url: string, until: () => boolean): Promise<number[]> {
  const samples: number[] = [];
  while (!until()) {
    const started = performance.now();
    const res = await fetch(`${url}/health/live`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return samples.sort((a, b) => a - b);
}

/** Clients that post `workerData.body` in a loop until told to stop, then report how each post ended. */
const OVERSIZED_CLIENTS = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true;
const outcomes = {};
parentPort.on('message', () => { running = false; });
async function client() {
  while (running) {
    let outcome;
    try {
      const res = await fetch(workerData.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: workerData.body });
      await res.arrayBuffer();
      outcome = String(res.status);
    } catch {
      outcome = 'connection closed'; // refused at the headers: the service closed before the client had sent it all
    }
    outcomes[outcome] = (outcomes[outcome] || 0) + 1;
  }
}
Promise.all(Array.from({ length: workerData.clients }, client)).then(() => parentPort.postMessage(outcomes));
`;

const figures = (samples: readonly number[]) => `p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms (${samples.length} probes)`;

describe('POST /orders request bounds (real process)', () => {
  let isolation: TestIsolation;
  let processes: TestProcesses;
  let url: string;

  beforeAll(async () => {
    isolation = newIsolation('t_orders_bounds');
    processes = await withFreePorts(1, ([port]) =>
      startTestProcesses([{ name: 'orders', entry: 'apps/orders/dist/main.js', port: port!, env: { DB_SCHEMA: isolation.schema, NATS_NAMESPACE: isolation.namespace } }]),
    );
    url = processes.url('orders');
  }, 90_000);
  afterAll(async () => {
    await processes?.stop();
    await removeIsolation(isolation);
  });

  const post = (body: string) => fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('accepts the largest valid order, pretty-printed, and refuses one line more with 413 before validation', async () => {
    const largest = {
      customerId: 'c'.repeat(64),
      lines: Array.from({ length: MAX_ORDER_LINES }, (_, i) => ({ sku: `${'S'.repeat(58)}${String(i).padStart(6, '0')}`, quantity: 10_000 })),
    };
    const pretty = JSON.stringify(largest, null, 2);
    console.log(`largest valid order: ${JSON.stringify(largest).length} bytes compact, ${pretty.length} pretty-printed (limit ${PLACE_ORDER_BOUNDS.maxBodyBytes})`);
    expect(pretty.length).toBeLessThan(PLACE_ORDER_BOUNDS.maxBodyBytes);
    expect((await post(pretty)).status).toBe(202);

    const oneMore = await post(JSON.stringify({ ...largest, lines: [...largest.lines, { sku: 'X', quantity: 1 }] }));
    expect(oneMore.status).toBe(413);
    expect(oneMore.headers.get('content-type')).toContain('application/problem+json');
    expect(await oneMore.json()).toMatchObject({ status: 413, code: 'too-many-items' });
  });

  it('documents the bounds in its OpenAPI document', async () => {
    const doc = (await (await fetch(`${url}/docs-json`)).json()) as { paths: Record<string, { post?: Record<string, unknown> }> };
    const operation = doc.paths['/orders']!.post!;
    expect(operation['x-request-bounds']).toEqual(PLACE_ORDER_BOUNDS);
    expect((operation['responses'] as Record<string, unknown>)['413']).toBeDefined();
  });

  it('three clients posting 20,000-line orders leave /health/live fast (figures reported)', async () => {
    const huge = JSON.stringify({ customerId: 'c-1', lines: Array.from({ length: 20_000 }, (_, i) => ({ sku: `SKU-${String(i).padStart(6, '0')}`, quantity: 1 })) });
    const idle = await (async () => {
      const stopAt = performance.now() + 1_500;
      return probeLiveness(url, () => performance.now() > stopAt);
    })();
    // The three clients run in a worker thread, so that the probes' own event loop measures the
    // service and not the clients' uploads.
    const clients = new Worker(OVERSIZED_CLIENTS, { eval: true, workerData: { url: `${url}/orders`, body: huge, clients: 3 } });
    const outcomes = new Promise<Record<string, number>>((resolve, reject) => {
      clients.once('message', (message: Record<string, number>) => resolve(message));
      clients.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the clients are sending
    const stopAt = performance.now() + 5_000;
    const loaded = await probeLiveness(url, () => performance.now() > stopAt);
    clients.postMessage('stop');
    const counted = await outcomes;
    await clients.terminate();
    console.log(
      `oversized orders: ${(huge.length / 1024).toFixed(0)} KB, 20,000 lines, 3 clients for 5 s: ${JSON.stringify(counted)}; ` +
        `/health/live idle ${figures(idle)}; under load ${figures(loaded)} (goal p99 < 50 ms)`,
    );
    // Each post ends as a 413 or, when the service closed before the client had sent it all, as a closed
    // connection: which one depends on timing (a loaded machine sees more of the latter). Nothing else.
    expect((counted['413'] ?? 0) + (counted['connection closed'] ?? 0)).toBeGreaterThan(0);
    expect(Object.keys(counted).filter((outcome) => outcome !== '413' && outcome !== 'connection closed')).toEqual([]);
  }, 60_000);

  it('cuts off a client that declares 100 body bytes and sends 5 (408 problem+json)', async () => {
    const { hostname, port } = new URL(url);
    const started = performance.now();
    const outcome = await new Promise<{ answer: string; ms: number }>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write('POST /orders HTTP/1.1\r\nHost: orders\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"cus');
      });
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('close', () => resolve({ answer, ms: performance.now() - started }));
      socket.on('error', reject);
      socket.setTimeout(30_000, () => reject(new Error('still connected after 30 s')));
    });
    console.log(`slow client (100 bytes declared, 5 sent) cut off after ${Math.round(outcome.ms)} ms (HTTP_REQUEST_TIMEOUT_MS default 5000, checked every 1000 ms)`);
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(outcome.answer).toContain('application/problem+json');
  }, 40_000);
});
