import { activeTraceparent } from '@stockflow/messaging';
import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { ReceivedEvent } from '@stockflow/messaging';
import type { EventStore } from '@stockflow/event-sourcing';
import { EVENT_STORE, IDEMPOTENT_INBOX, PG_POOL } from '@stockflow/platform';
import type { IdempotentInbox } from '@stockflow/postgres';
import type { Pool, PoolClient } from 'pg';
import type { InboxRow } from '../channels/web-channel.js';
import { Dispatcher } from '../delivery/dispatcher.js';
import type { NotificationKind } from '../templates/templates.js';
import { Planner, type Transition } from './planner.js';
import { StockCheck } from './stock-check.js';
import { WaveRunner } from './wave-runner.js';

/** The durable consumer `notifier-inventory` (ADR 0004): one store transaction per event, marked handled in it. */
export const CONSUMER = 'notifier-inventory';

/** A BackInStock older than this is re-checked against inventory before its first wave (the notifier was behind). */
const FRESH_MS = 2_000;

function transition(event: ReceivedEvent<{ sku: string; available?: number }>, kind: NotificationKind): Transition {
  return {
    eventId: event.eventId,
    sku: event.data.sku,
    kind,
    occurredAt: new Date(event.occurredAt),
    available: typeof event.data.available === 'number' ? event.data.available : null,
    correlationId: event.correlationId,
    // The consumer's span (ADR 0037): the sends of this restock are its children.
    traceparent: activeTraceparent() ?? event.traceparent,
  };
}

@Controller()
export class StockEventsHandler {
  constructor(
    @Inject(IDEMPOTENT_INBOX) private readonly inbox: IdempotentInbox,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore<PoolClient>,
    private readonly planner: Planner,
    private readonly stock: StockCheck,
    private readonly dispatcher: Dispatcher,
    private readonly waves: WaveRunner,
  ) {}

  // Names and stock levels are upserts (levels guarded by stream position): idempotent as they are,
  // one statement each, without an inbox transaction in the hot path before a BackInStock.
  @EventPattern('SkuRegistered')
  async onRegistered(@Payload() event: ReceivedEvent<{ sku: string; name: string }>): Promise<void> {
    await this.planner.recordName(this.pool, event.data.sku, event.data.name);
  }

  @EventPattern('StockLevelChanged')
  async onLevels(@Payload() event: ReceivedEvent<{ sku: string; onHand: number; reserved: number; available: number }>): Promise<void> {
    await this.planner.recordLevels(this.pool, event.data.sku, event.data, event.streamPosition);
  }

  @EventPattern('BackInStock')
  async onBackInStock(@Payload() event: ReceivedEvent<{ sku: string; available: number }>): Promise<void> {
    const t = transition(event, 'back-in-stock');
    // A live event's figure is the stock now; an old one (the notifier was down or behind) is re-checked.
    const fresh = Date.now() - t.occurredAt.getTime() < FRESH_MS;
    const availableNow = fresh ? t.available : (await this.stock.available(t.sku)).available;
    let delivered: readonly InboxRow[] = [];
    await this.inbox.runOnceInStore(this.store, CONSUMER, event.eventId, async (tx) => {
      const availability = await this.planner.planAvailability(tx, t);
      const restock = await this.planner.openRestock(tx, t, availableNow);
      delivered = [...availability, ...restock.delivered];
    });
    this.dispatcher.announce(delivered, t.occurredAt);
    this.dispatcher.wake('email', 'sms');
    this.waves.wake();
  }

  @EventPattern('OutOfStock')
  async onOutOfStock(@Payload() event: ReceivedEvent<{ sku: string }>): Promise<void> {
    const t = transition(event, 'out-of-stock');
    let delivered: readonly InboxRow[] = [];
    await this.inbox.runOnceInStore(this.store, CONSUMER, event.eventId, async (tx) => {
      await this.planner.closeRestocks(tx.connection, t.sku, 'out-of-stock');
      await this.planner.recordTransition(tx.connection, t);
      delivered = await this.planner.planAvailability(tx, t);
    });
    this.dispatcher.announce(delivered, t.occurredAt);
    this.dispatcher.wake('email', 'sms');
  }

  @EventPattern('LowStock')
  async onLowStock(@Payload() event: ReceivedEvent<{ sku: string; available: number }>): Promise<void> {
    const t = transition(event, 'low-stock');
    let delivered: readonly InboxRow[] = [];
    await this.inbox.runOnceInStore(this.store, CONSUMER, event.eventId, async (tx) => {
      await this.planner.recordTransition(tx.connection, t);
      delivered = await this.planner.planAvailability(tx, t);
    });
    this.dispatcher.announce(delivered, t.occurredAt);
    this.dispatcher.wake('email', 'sms');
  }
}
