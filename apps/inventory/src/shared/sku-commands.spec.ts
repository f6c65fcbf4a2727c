import { describe, expect, it } from '@jest/globals';
import { stockflowCatalog } from '@stockflow/contracts';
import { InMemoryEventStore, type EventStore } from '@stockflow/event-sourcing';
import { randomUUID } from 'node:crypto';
import { SkuCommands } from './sku-commands.js';

const metadata = { correlationId: 'sku-commands-spec', causationId: null, traceparent: null };

/** Records the options of every readStream call. */
function spied(store: EventStore): { store: EventStore; reads: { fromPosition?: number }[] } {
  const reads: { fromPosition?: number }[] = [];
  const readStream = store.readStream.bind(store);
  return {
    reads,
    store: Object.assign(Object.create(store) as EventStore, {
      readStream: (streamId: string, options?: { fromPosition?: number }) => {
        reads.push({ ...options });
        return readStream(streamId, options);
      },
    }),
  };
}

describe('SkuCommands', () => {
  it('reads only what is newer than its cached state, and sees other writers', async () => {
    const memory = new InMemoryEventStore(stockflowCatalog);
    const { store, reads } = spied(memory);
    const commands = new SkuCommands(store);
    await commands.execute({ type: 'RegisterSku', sku: 'S', name: 's', lowStockThreshold: 0 }, { metadata });
    await commands.execute({ type: 'ReceiveStock', sku: 'S', quantity: 5 }, { metadata });
    expect(reads).toEqual([{}]); // the registration's first look; the receipt decided on the cache

    const read = await commands.read('S');
    expect(read.version).toBe(4);
    expect(read.state).toMatchObject({ onHand: 5, reserved: 0 });
    expect(reads[1]).toEqual({ fromPosition: 5 });

    await memory.appendToStream('sku-S', [{ eventId: randomUUID(), type: 'StockReceived', schemaVersion: 1, data: { sku: 'S', quantity: 2 }, ...metadata }]);
    const fresh = await commands.read('S');
    expect(fresh.version).toBe(5);
    expect(fresh.state.onHand).toBe(7);
    expect(fresh).toEqual(await new SkuCommands(memory, { cacheSize: 0 }).read('S'));

    // The caught-up state serves the next command: no stale-cache conflict and re-read.
    const before = reads.length;
    await commands.execute({ type: 'ReceiveStock', sku: 'S', quantity: 1 }, { metadata });
    expect(reads.length).toBe(before);
  });

  it('works without a cache', async () => {
    const commands = new SkuCommands(new InMemoryEventStore(stockflowCatalog), { cacheSize: 0 });
    await commands.execute({ type: 'RegisterSku', sku: 'N', name: 'n', lowStockThreshold: 0 }, { metadata });
    await commands.execute({ type: 'ReceiveStock', sku: 'N', quantity: 3 }, { metadata });
    expect((await commands.read('N')).state.onHand).toBe(3);
    expect((await commands.read('NONE')).version).toBe(0);
  });
});
