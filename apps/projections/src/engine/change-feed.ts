import type { NatsConnection } from '@stockflow/messaging';
import { EventEmitter } from 'node:events';

/** A read-model change, as sent on `GET /views/stream`. */
export interface ReadModelChange {
  /** The projection (`stock`, `customer_orders`, `carts`), or `rebuild` after a swap. */
  readonly view: string;
  readonly rows: readonly unknown[];
  /** Last stream sequence applied. */
  readonly sequence: number;
  readonly at: string;
}

/** A NATS message stays well below the server's default 1 MB payload limit. */
const MAX_MESSAGE_BYTES = 256 * 1024;

/** The core-NATS subject on which the projections' replicas share read-model changes: `[<ns>.]live.projections.changes`. */
export function changeFeedSubject(namespace?: string): string {
  return namespace ? `${namespace}.live.projections.changes` : 'live.projections.changes';
}

/**
 * Fan-out of committed read-model changes to the SSE clients of every replica. Only the replica
 * that leads runs the projectors (ADR 0043, 0044), but a client's stream may be served by any: once
 * `share`d, a change is published on core NATS and every replica, the leader too, hands what it
 * hears to its own clients. A change lost with a NATS outage is a missed live update, never a wrong
 * read model (clients re-read on reconnect). Before `share`, changes go to this process's clients.
 */
export class ChangeFeed {
  private readonly emitter = new EventEmitter();
  private shared: { readonly nc: NatsConnection; readonly subject: string; readonly subscription: ReturnType<NatsConnection['subscribe']> } | null = null;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** From now on, changes travel through `subject` to every replica subscribed to it. */
  share(nc: NatsConnection, subject: string): void {
    const subscription = nc.subscribe(subject, {
      callback: (error, message) => {
        if (error) return;
        try {
          this.emitter.emit('change', JSON.parse(this.decoder.decode(message.data)) as ReadModelChange);
        } catch {
          // Not a change of ours: nothing to forward.
        }
      },
    });
    this.shared = { nc, subject, subscription };
  }

  unshare(): void {
    this.shared?.subscription.unsubscribe();
    this.shared = null;
  }

  publish(change: ReadModelChange): void {
    if (!this.shared) {
      this.emitter.emit('change', change);
      return;
    }
    for (const part of this.parts(change)) {
      try {
        this.shared.nc.publish(this.shared.subject, part);
      } catch {
        // NATS is away or draining: a live update is lost, the read model is not.
      }
    }
  }

  subscribe(listener: (change: ReadModelChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  /** The change as one message, or its rows split over several when it is too large for one. */
  private parts(change: ReadModelChange): Uint8Array[] {
    const whole = this.encoder.encode(JSON.stringify(change));
    if (whole.byteLength <= MAX_MESSAGE_BYTES || change.rows.length <= 1) return [whole];
    const half = Math.ceil(change.rows.length / 2);
    return [...this.parts({ ...change, rows: change.rows.slice(0, half) }), ...this.parts({ ...change, rows: change.rows.slice(half) })];
  }
}
