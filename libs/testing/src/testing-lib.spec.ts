import { describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import { expectProblem } from './problem-assertions.js';
import { freePorts, withFreePorts } from './test-processes.js';
import { eventually, sleep } from './waiting.js';

const listen = (server: Server, port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('eventually', () => {
  it('returns the first value the acceptor takes', async () => {
    let calls = 0;
    const value = await eventually(async () => ++calls, (n) => n >= 3, 2_000, 'three calls');
    expect(value).toBe(3);
  });

  it('fails after the timeout naming what it waited for and the last value', async () => {
    const started = Date.now();
    await expect(eventually(() => ({ status: 'pending' }), (v) => v.status === 'done', 200, 'the order')).rejects.toThrow(
      /timed out after 200 ms waiting for the order; last value: \{"status":"pending"\}/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('takes yes/no probes with Boolean', async () => {
    const until = Date.now() + 60;
    await expect(eventually(() => Date.now() > until, Boolean, 2_000)).resolves.toBe(true);
  });
});

describe('sleep', () => {
  it('waits at least as long as asked', async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(29);
  });
});

describe('expectProblem', () => {
  const problem = (status: number, extra: Record<string, unknown> = {}) => ({
    status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8' },
    body: { type: 'https://stockflow.dev/problems/validation', title: 'x', status, detail: 'd', ...extra },
  });

  it('accepts a 4xx problem+json answer with exactly the named fields', () => {
    expectProblem(problem(400, { errors: [{ field: 'sku', messages: ['bad'] }, { field: 'name', messages: ['bad'] }] }), 400, ['name', 'sku']);
    expectProblem(problem(404), 404);
  });

  it('refuses another status, a 5xx, another media type, a missing detail, or other fields', () => {
    expect(() => expectProblem(problem(409), 400)).toThrow(/expected 400, got 409/);
    expect(() => expectProblem(problem(500), 500)).toThrow();
    expect(() => expectProblem({ ...problem(400), headers: { 'content-type': 'application/json' } }, 400)).toThrow();
    expect(() => expectProblem(problem(400, { detail: undefined }), 400)).toThrow();
    expect(() => expectProblem(problem(400, { errors: [{ field: 'sku', messages: ['bad'] }] }), 400, ['name'])).toThrow();
    expect(() => expectProblem(problem(400, { errors: [{ field: 'sku', messages: [] }] }), 400, ['sku'])).toThrow();
  });
});

describe('free ports', () => {
  it('hands out distinct ports nobody listens on', async () => {
    const ports = await freePorts(4);
    expect(new Set(ports).size).toBe(4);
    const servers = ports.map(() => createServer());
    await Promise.all(servers.map((server, i) => listen(server, ports[i]!)));
    await Promise.all(servers.map(close));
  });

  it('starts again on other ports when a port was taken before the listen', async () => {
    const blocker = createServer();
    const [taken] = await freePorts(1);
    await listen(blocker, taken!);
    const server = createServer();
    let attempts = 0;
    try {
      const port = await withFreePorts(1, async ([port]) => {
        attempts++;
        // The first attempt finds its port taken (as if another run got there first).
        await listen(server, attempts === 1 ? taken! : port!);
        return port!;
      });
      expect(attempts).toBe(2);
      expect(port).not.toBe(taken);
    } finally {
      await close(server);
      await close(blocker);
    }
  });

  it('does not retry other failures', async () => {
    let attempts = 0;
    await expect(
      withFreePorts(1, async () => {
        attempts++;
        throw new Error('refused for another reason');
      }),
    ).rejects.toThrow('refused for another reason');
    expect(attempts).toBe(1);
  });
});
