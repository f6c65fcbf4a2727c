import type { JsMsg } from '@nats-io/jetstream';

export interface AckBatcherOptions {
  /** The longest an acknowledgement waits for others to leave with it. */
  readonly windowMs?: number;
  /** Acknowledgements that leave at once, without waiting for the window. */
  readonly maxBatch?: number;
}

/**
 * Sends acknowledgements together. The NATS client writes what was queued in one microtask as one
 * socket write; a consumer handles one message per few milliseconds of database I/O, so each ack
 * used to be a write of its own, and socket writes were 10–30% of a consumer process's CPU here.
 * Collected for a few milliseconds, the acks of every consumer in the process leave in one write
 * per connection.
 *
 * An ack is still sent only after its handler succeeded. A crash inside the window loses the
 * acks, not the work: the messages are redelivered and the idempotent handlers skip them.
 */
export class AckBatcher {
  private readonly windowMs: number;
  private readonly maxBatch: number;
  private queue: JsMsg[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(options: AckBatcherOptions = {}) {
    this.windowMs = options.windowMs ?? 5;
    this.maxBatch = options.maxBatch ?? 256;
  }

  /** Acknowledges `msg` within the window. */
  ack(msg: JsMsg): void {
    this.queue.push(msg);
    if (this.queue.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  /** Sends every waiting acknowledgement now (before a consumer stops or its connection drains). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.queue;
    this.queue = [];
    for (const msg of batch) msg.ack();
  }

  get waiting(): number {
    return this.queue.length;
  }
}

/** The process's batcher: the acks of all its consumers leave together. */
export const processAcks = new AckBatcher();
