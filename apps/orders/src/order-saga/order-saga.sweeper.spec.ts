import { describe, expect, it } from '@jest/globals';
import type { OrdersConfig } from '../orders-config.js';
import type { OrderSagaProcess } from './order-saga.process.js';
import { OrderSagaSweeper } from './order-saga.sweeper.js';
import type { SagaDeadlines } from './saga-deadlines.js';

describe('OrderSagaSweeper', () => {
  it('keeps one sweep chain however often Nest runs its init hook, and sweeps nothing after destroy', async () => {
    let reads = 0;
    const deadlines = { due: async () => (reads++, []) } as unknown as SagaDeadlines;
    const sweeper = new OrderSagaSweeper(deadlines, {} as OrderSagaProcess, { SAGA_SWEEP_INTERVAL_MS: 20 } as OrdersConfig);
    // One init per attached consumer, as the host's (runService) deferred microservices cause.
    for (let i = 0; i < 4; i++) sweeper.onModuleInit();
    await new Promise((resolve) => setTimeout(resolve, 210));
    await sweeper.onModuleDestroy();
    // About 10 passes of 20 ms in 210 ms for one chain (four chains would make about 40).
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(reads).toBeLessThanOrEqual(11);
    const atStop = reads;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reads).toBe(atStop);
  });
});
