import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { ClosedConnectionError } from '@nats-io/nats-core';
import { sleep } from '@stockflow/event-sourcing';

/** Waits between attempts to re-attach: 250 ms doubling to 5 s. */
export function reattachDelayMs(failures: number): number {
  return Math.min(250 * 2 ** Math.max(0, failures - 1), 5_000);
}

/** A run of messages this long counts as a recovery: the next failure starts the backoff afresh. */
const HEALTHY_RUN_MS = 10_000;

/**
 * The messages of a durable pull consumer across outages (ADR 0019). The client's `consume()`
 * rides out a reconnect by itself; when its iterator ends anyway (the connection closed, the
 * consumer or stream vanished, a pull the server refused) or `attach` fails (NATS still away),
 * this attaches again with backoff, until `close()`. The durable consumer on the server keeps the
 * position, so nothing is skipped; what was in flight is redelivered.
 */
export class ConsumerAttachment {
  private current: ConsumerMessages | null = null;
  private readonly closed = new AbortController();

  /**
   * @param attach makes (or finds) the server's consumer and starts consuming it.
   * @param onError told of every failed attachment and every iterator that failed.
   */
  constructor(
    private readonly attach: () => Promise<ConsumerMessages>,
    private readonly onError?: (error: unknown) => void,
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
      try {
        this.current ??= await this.attach();
        for await (const msg of this.current) yield msg;
      } catch (error) {
        // A closed connection never reconnects (the client closes only when told to or when it gives
        // up): attaching again would retry for ever and keep the process alive.
        if (error instanceof ClosedConnectionError) return;
        if (!this.closed.signal.aborted) this.onError?.(error);
      }
      this.current = null;
      if (this.closed.signal.aborted) return;
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
