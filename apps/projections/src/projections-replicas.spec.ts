// Two replicas of the projections service on one schema (ADR 0043, 0044): one runs the live
// projectors, the other stands by and serves reads — its SSE clients get the leader's changes too —
// and takes over when the leader stops.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@stockflow/platform';
import { IN_PROCESS, openSse, TEST_RATE_LIMIT_ENV } from '@stockflow/testing';
import { ProjectionsConfig } from './projections-config.js';
import { startProjectionsService, type RunningProjections } from './projections.service.js';
import { envelope, ProjectionsTestSystem } from './testing/projections-test-system.js';

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('projections replicas: one projects, both serve', () => {
  let sys: ProjectionsTestSystem;
  let second: RunningProjections;

  beforeAll(async () => {
    sys = await ProjectionsTestSystem.start();
    const config = loadConfig(ProjectionsConfig, {
      ...process.env,
      DB_SCHEMA: sys.schema,
      NATS_NAMESPACE: sys.namespace,
      LOG_LEVEL: 'warn',
      PORT: '3005',
      PROJECTIONS_ELECTION_INTERVAL_MS: '200',
      ...TEST_RATE_LIMIT_ENV,
    });
    second = await startProjectionsService(config, IN_PROCESS);
  }, 60_000);
  afterAll(async () => {
    await second?.stop();
    await sys?.stop();
  });

  it('runs the projectors in one replica; the standby answers reads and streams the leader\'s changes; it takes over when the leader stops', async () => {
    await until('one replica to lead', () => sys.running!.work.leadership.leading);
    expect(second.work.leadership.leading).toBe(false);
    expect(second.work.projectors).toHaveLength(0);

    const stream = await openSse<Record<string, unknown>>(`${second.url}/views/stream`, { parse: (data) => JSON.parse(data) as Record<string, unknown> });
    try {
      await sys.publish('inventory', 'sku', [
        envelope('SkuRegistered', { sku: 'REP-1', name: 'Replica lamp', lowStockThreshold: 0 }, 'sku-REP-1'),
        envelope('StockLevelChanged', { sku: 'REP-1', onHand: 7, reserved: 0, available: 7 }, 'sku-REP-1'),
      ]);
      await until('the standby\'s SSE client to hear the change', () => stream.events.some((e) => e.event === 'stock' && JSON.stringify(e.data).includes('"available":7')));
      const read = await fetch(`${second.url}/views/stock/REP-1`);
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ sku: 'REP-1', available: 7 });
    } finally {
      stream.close();
    }

    const stoppedAt = Date.now();
    await sys.stopService();
    await until('the standby to lead', () => second.work.leadership.leading);
    const takeoverMs = Date.now() - stoppedAt;
    await sys.publish('inventory', 'sku', [envelope('StockLevelChanged', { sku: 'REP-1', onHand: 9, reserved: 2, available: 7 }, 'sku-REP-1')]);
    await until('the new leader to apply the change', async () => {
      const body = (await (await fetch(`${second.url}/views/stock/REP-1`)).json()) as { onHand?: number };
      return body.onHand === 9;
    });
    console.info(`projections: the standby led ${takeoverMs} ms after the leader stopped (election interval 200 ms)`);
  }, 60_000);
});
