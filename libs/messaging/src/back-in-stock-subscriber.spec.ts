// The README's consumer-kit example (src/testing/back-in-stock-subscriber.ts) against real NATS:
// a team outside the repository gets typed BackInStock notices from the contracts package alone,
// including one published by a newer producer with a field its schema does not know (ADR 0035).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from './nats-connection.js';
import { contextStreamSpec, ensureStream } from './stream-provisioning.js';
import { subscribeToBackInStock, type BackInStockNotice } from './testing/back-in-stock-subscriber.js';
import { deleteNamespaceStreams, relayHeaders, testEnvelope, uniqueNamespace } from './testing/index.js';

describe('the consumer kit example: subscribing to inventory.sku.BackInStock (real NATS)', () => {
  let nc: NatsConnection;
  const namespace = uniqueNamespace();
  const scheme = { namespace };

  beforeAll(async () => {
    nc = await connectNats({ name: 'consumer-kit-spec' });
    await ensureStream(await jetstreamManager(nc), contextStreamSpec('inventory', scheme));
  });
  afterAll(async () => {
    await deleteNamespaceStreams(nc, namespace);
    await nc.close();
  });

  it('hands over each BackInStock typed, once, and nothing else of the stream', async () => {
    const js = jetstream(nc);
    const first = testEnvelope('BackInStock', { sku: 'KIT-1', available: 3 });
    const newer = testEnvelope('BackInStock', { sku: 'KIT-2', available: 1, warehouse: 'north' });
    await js.publish(`${namespace}.inventory.sku.StockReceived`, JSON.stringify(testEnvelope('StockReceived', { sku: 'KIT-1', quantity: 3 })), { headers: relayHeaders(1) });
    await js.publish(`${namespace}.inventory.sku.BackInStock`, JSON.stringify(first), { headers: relayHeaders(2) });
    await js.publish(`${namespace}.inventory.sku.BackInStock`, JSON.stringify(newer), { headers: relayHeaders(3) });

    const notices: BackInStockNotice[] = [];
    const stop = new AbortController();
    const done = subscribeToBackInStock(
      nc,
      'outside-team-back-in-stock',
      async (notice) => {
        notices.push(notice);
        if (notices.length === 2) stop.abort();
      },
      stop.signal,
      scheme,
    );
    const timeout = setTimeout(() => stop.abort(), 15_000);
    await done;
    clearTimeout(timeout);
    expect(notices).toEqual([
      { sku: 'KIT-1', available: 3, eventId: first['eventId'] },
      { sku: 'KIT-2', available: 1, eventId: newer['eventId'] },
    ]);
    const consumer = await (await jetstreamManager(nc)).consumers.info(contextStreamSpec('inventory', scheme).name, 'outside-team-back-in-stock');
    expect(consumer.num_ack_pending).toBe(0);
  });
});
