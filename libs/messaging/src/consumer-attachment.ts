import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { ClosedConnectionError } from '@nats-io/nats-core';
import { sleep } from '@stockflow/event-sourcing';

/** Waits between attempts to re-attach: 250 ms doubling to 5 s. */
export function reattachDelayMs(failures: number): number {
  return Math.min(250 * 2 ** Math.max(0, failures - 1), 5_000);
}

/** A run of messages this long counts as a recovery: the next failure starts the backoff afresh. */
const HEALTHY_RUN_MS = 10_000;

export interface ConsumerAttachmentOptions {
  /** Told of every failed attachment, every iterator that failed, and every gap. */
  readonly onError?: (error: unknown) => void;
  /**
   * Attach again, at once, when a delivery was lost in transit (a gap in the consumer's delivery
   * sequence: deliveries sent while the connection was cut never arrive). For consumers whose
   * position is an external checkpoint (ADR 0016): the server would redeliver the lost message
   * only after the ack wait, behind newer ones that by then moved the checkpoint past it, and it
   * would be skipped. `attach` then makes the consumer again at the checkpoint.
   */
  readonly reattachOnGap?: boolean;
}

/** A delivery the client never received: its successor arrived with a later delivery sequence. */
export class DeliveryGap extends Error {
  constructor(expected: number, received: number) {
    super(`delivery ${expected} never arrived (next came ${received}): attaching again from the checkpoint`);
    this.name = 'DeliveryGap';
  }
}

/**
 * The messages of a durable pull consumer across outages (ADR 0019). The client's `consume()`
 * rides out a reconnect by itself; when its iterator ends anyway (the connection closed, the
 * consumer or stream vanished, a pull the server refused) or `attach` fails (NATS still away),
 * this attaches again with backoff, until `close()`. The durable consumer on the server keeps the
 * position, so nothing is skipped; what was in flight is redelivered after the ack wait — or at
 * once, from the checkpoint, with `reattachOnGap`.
 */
export class ConsumerAttachment {
  private current: ConsumerMessages | null = null;
  private readonly closed = new AbortController();

  /** @param attach makes (or finds) the server's consumer and starts consuming it. */
  constructor(
    private readonly attach: () => Promise<ConsumerMessages>,
    private readonly options: ConsumerAttachmentOptions = {},
  ) {}

  /** The first attachment; its failure is the caller's (a service that cannot start says so). */
  async open(): Promise<void> {
    this.current = await this.attach();
  }

  /** Every message of every attachment, in order, until `close()`. */
  async *messages(): AsyncGenerator<JsMsg> {
    let failures = 0;
    while (!this.closed.signal.aborted) {
      const startedAt = Date.now();
      let gap = false;
      try {
        this.current ??= await this.attach();
        // Delivery sequences count every delivery of this consumer, redeliveries included: one
        // missing is a delivery lost on the way.
        let expected: number | null = null;
        for await (const msg of this.current) {
          const delivery = msg.info.deliverySequence;
          if (this.options.reattachOnGap && expected !== null && delivery > expected) {
            this.options.onError?.(new DeliveryGap(expected, delivery));
            gap = true;
            break;
          }
          expected = delivery + 1;
          yield msg;
        }
      } catch (error) {
        // A closed connection never reconnects (the client closes only when told to or when it gives
        // up): attaching again would retry for ever and keep the process alive.
        if (error instanceof ClosedConnectionError) return;
        if (!this.closed.signal.aborted) this.options.onError?.(error);
      }
      if (gap) await this.current?.close()?.catch(() => undefined);
      this.current = null;
      if (this.closed.signal.aborted) return;
      if (gap) continue;
      failures = Date.now() - startedAt >= HEALTHY_RUN_MS ? 1 : failures + 1;
      await sleep(reattachDelayMs(failures), this.closed.signal);
    }
  }

  /** Stops consuming: the iterator in use ends after what it has buffered; no more attachments. */
  async close(): Promise<void> {
    this.closed.abort();
    await this.current?.close();
  }
}
