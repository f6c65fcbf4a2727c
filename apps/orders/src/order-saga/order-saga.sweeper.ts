import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { OrdersConfig } from '../orders-config.js';
import { OrderSagaProcess } from './order-saga.process.js';
import { SagaDeadlines } from './saga-deadlines.js';

const BATCH = 100;

/**
 * Every SAGA_SWEEP_INTERVAL_MS, times out the sagas whose deadline has passed (through the saga
 * decider, so a saga completed meanwhile is left alone) and rejects their orders. A row that
 * outlives its saga's completion (a crash before the order followed) is settled here too.
 * Several instances may sweep at once: the saga's expected version lets one decision through.
 */
@Injectable()
export class OrderSagaSweeper implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OrderSagaSweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    private readonly deadlines: SagaDeadlines,
    private readonly saga: OrderSagaProcess,
    private readonly config: OrdersConfig,
  ) {}

  onModuleInit(): void {
    // Nest runs init hooks again for each consumer attached to the app (deferred initialisation):
    // one timer chain only, or stop() would leave the others sweeping on a closed pool.
    if (this.timer) return;
    this.stopped = false;
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  /** One pass: every due saga, oldest first. Returns how many were due. */
  async sweep(now = new Date()): Promise<number> {
    let due: string[];
    try {
      due = await this.deadlines.due(now, BATCH);
    } catch (error) {
      this.logger.warn({ err: error }, 'saga sweeper: could not read deadlines');
      return 0;
    }
    for (const orderId of due) {
      if (this.stopped) break;
      try {
        await this.saga.timeOut(orderId, now);
      } catch (error) {
        // The row stays: the next pass tries again.
        this.logger.warn({ err: error, orderId }, 'saga sweeper: timing out failed; will retry');
      }
    }
    return due.length;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.sweep().finally(() => {
        this.current = null;
        this.schedule();
      });
    }, this.config.SAGA_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }
}
