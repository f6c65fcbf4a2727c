import { Inject, Injectable, type OnApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { waveSlices } from '@stockflow/notifications-context';
import { PG_POOL, SERVICE_CONFIG, SERVICE_LOGGER } from '@stockflow/platform';
import { inTransaction, quoteSchema } from '@stockflow/postgres';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { DeliveryStore } from '../delivery/delivery-store.js';
import { Dispatcher } from '../delivery/dispatcher.js';
import { Signal } from '../delivery/signal.js';
import type { NotifierConfig } from '../notifier-config.js';
import { Planner, type RestockRow, type SliceOutcome } from './planner.js';
import { StockCheck } from './stock-check.js';

/**
 * Plans the waves after the first (which the BackInStock handler plans itself): one open restock at a
 * time (`FOR UPDATE SKIP LOCKED`, so several notifiers share the work), stock re-checked first.
 */
@Injectable()
export class WaveRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly signal = new Signal();
  private loop: Promise<void> | undefined;
  private stopping = false;
  private readonly s: string;

  constructor(
    private readonly planner: Planner,
    private readonly stock: StockCheck,
    private readonly dispatcher: Dispatcher,
    private readonly deliveries: DeliveryStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SERVICE_CONFIG) private readonly config: NotifierConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.s = quoteSchema(config.DB_SCHEMA);
  }

  onApplicationBootstrap(): void {
    this.loop ??= this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.signal.notify();
    await this.loop;
  }

  wake(): void {
    this.signal.notify();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const planned = await this.nextWave();
        failures = 0;
        if (!planned) await this.signal.wait(this.config.POLL_MS * 4);
      } catch (error) {
        failures++;
        this.logger.error({ err: error }, 'planning a wave failed; retrying');
        await this.signal.wait(Math.min(30_000, 250 * 2 ** failures));
      }
    }
  }

  /**
   * Plans one wave of the oldest open restock; false when there is none. The restock row stays
   * locked (this transaction) for the whole wave; its slices run in transactions of their own, at
   * most WAVE_PARALLELISM at once, each committing (and announcing) its part.
   */
  async nextWave(): Promise<boolean> {
    const planned = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<RestockRow>(
        `SELECT event_id, sku, occurred_at, available, budget, notified, waves, correlation_id, traceparent FROM ${this.s}.restocks
         WHERE status = 'open' AND next_wave_at <= now() ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      const restock = rows[0];
      if (!restock) return null;
      const began = performance.now();
      const { available } = await this.stock.available(restock.sku);
      const size = await this.planner.sizeWave(client, restock, available);
      if (size.outcome) return { restock, wave: size.wave, began, slices: 0, outcome: null };
      const parts = waveSlices(size.room, this.config.WAVE_SIZE, this.config.WAVE_PARALLELISM);
      const settled = await Promise.allSettled(parts.map((want, i) => this.slice(restock, size.wave, i + 1, want, available)));
      const failed = settled.find((r) => r.status === 'rejected');
      // Slices that committed stand (their waves rows count); the restock row is settled next time.
      if (failed) throw failed.reason;
      const slices = settled.map((r) => (r as PromiseFulfilledResult<SliceOutcome>).value);
      return { restock, wave: size.wave, began, slices: slices.length, outcome: await this.planner.finishWave(client, restock, slices) };
    });
    if (!planned) return false;
    const { restock, wave, began, slices, outcome } = planned;
    if (!outcome) return true;
    this.logger.debug({ sku: restock.sku, wave, slices, picked: outcome.picked, ms: Math.round(performance.now() - began) }, 'wave planned');
    if (outcome.picked > 0) this.dispatcher.wake(...outcome.channels.filter((c) => c !== 'web'));
    return true;
  }

  private async slice(restock: RestockRow, wave: number, slice: number, want: number, available: number | null): Promise<SliceOutcome> {
    const outcome = await this.deliveries.transaction((tx) => this.planner.pickSlice(tx, restock, wave, slice, want, available));
    this.dispatcher.announce(outcome.delivered, restock.occurred_at);
    return outcome;
  }

}
