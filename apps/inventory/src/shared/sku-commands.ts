import { stockflowCatalog } from '@stockflow/contracts';
import { AggregateStateCache, CommandHandler, type AggregateState, type EventMetadata, type EventStore } from '@stockflow/event-sourcing';
import { skuDecider, skuStreamId, type SkuCommand, type SkuEvent, type SkuState } from '../domain/sku.js';
import { KeyedSerializer } from './keyed-serializer.js';

export interface SkuCommandOptions {
  readonly metadata: EventMetadata;
  /** The version the caller saw (If-Match); a stale one fails with ConcurrencyConflict (412). */
  readonly expectedVersion?: number;
}

export interface SkuCommandResult {
  readonly events: readonly SkuEvent[];
  readonly state: SkuState;
  /** The stream's version after the command; null when it decided no events. */
  readonly version: number | null;
}

export interface SkuCommandsOptions {
  /** SKU states kept in memory (one cache per process); 0 turns it off. Default 10,000. */
  readonly cacheSize?: number;
  /** Tries per command when writers in other processes keep winning. Default: the handler's (8). */
  readonly maxAttempts?: number;
}

/**
 * The SKU aggregate's application service: one `CommandHandler` with one state cache per process,
 * and one lane per stream so that this process's own commands on a SKU run one after another.
 */
export class SkuCommands {
  readonly handler: CommandHandler<SkuCommand, SkuEvent, SkuState>;
  private readonly lanes = new KeyedSerializer();

  constructor(store: EventStore, options: SkuCommandsOptions = {}) {
    const cacheSize = options.cacheSize ?? 10_000;
    const cache = cacheSize > 0 ? new AggregateStateCache<SkuState>(cacheSize) : undefined;
    this.handler = new CommandHandler(store, stockflowCatalog, skuDecider, { cache, maxAttempts: options.maxAttempts });
  }

  execute(command: SkuCommand, options: SkuCommandOptions): Promise<SkuCommandResult> {
    const streamId = skuStreamId(command.sku);
    return this.lanes.run(streamId, async () => {
      const result = await this.handler.handle(streamId, command, options);
      return { events: result.events, state: result.state, version: result.append?.nextExpectedVersion ?? null };
    });
  }

  /**
   * Nest calls this after the HTTP server and the consumers have stopped taking work, and before the
   * platform ends the pool: commands still queued or running (e.g. of clients that hung up) finish.
   */
  onApplicationShutdown(): Promise<void> {
    return this.lanes.drain();
  }

  /**
   * The SKU's current state. Always asks the store (another process may have written), but only
   * for the events after the cached version when this process has the state cached (see
   * CommandHandler.current).
   */
  read(sku: string): Promise<AggregateState<SkuState>> {
    return this.handler.current(skuStreamId(sku));
  }
}
