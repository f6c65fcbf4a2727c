// The README's example of a service team outside this repository subscribing to
// inventory.sku.BackInStock with the contracts package and the NATS client only (no stockflow
// plumbing): a durable consumer of its own on INVENTORY_EVENTS, filtered to the one subject, each
// message decoded, upcast and typed, then acknowledged. Run against real NATS by its spec.
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { contextStreamName, eventSubject, inventory, isEventOf, parseEnvelope, stockflowCatalog, type SubjectScheme } from '@stockflow/contracts';

export interface BackInStockNotice {
  readonly sku: string;
  readonly available: number;
  readonly eventId: string;
}

/** Calls `onBackInStock` for every BackInStock on the durable `durable`, until `signal` aborts. */
export async function subscribeToBackInStock(nc: NatsConnection, durable: string, onBackInStock: (notice: BackInStockNotice) => Promise<void>, signal: AbortSignal, scheme: SubjectScheme = {}): Promise<void> {
  const stream = contextStreamName('inventory', scheme);
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: eventSubject('inventory', 'sku', inventory.BackInStock.type, scheme) });
  const messages = await (await jetstream(nc).consumers.get(stream, durable)).consume();
  signal.addEventListener('abort', () => void messages.stop());
  for await (const msg of messages) {
    const event = parseEnvelope(stockflowCatalog, msg.data);
    if (isEventOf(event, inventory.BackInStock)) await onBackInStock({ sku: event.data.sku, available: event.data.available, eventId: event.eventId });
    msg.ack();
  }
}
