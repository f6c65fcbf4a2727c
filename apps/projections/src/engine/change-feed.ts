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

/** In-process fan-out of committed read-model changes to the SSE clients. */
export class ChangeFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(change: ReadModelChange): void {
    this.emitter.emit('change', change);
  }

  subscribe(listener: (change: ReadModelChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }
}
