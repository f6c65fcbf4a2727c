import { Inject, Injectable } from '@nestjs/common';
import { stockflowCatalog } from '@stockflow/contracts';
import { CommandHandler, type EventStore } from '@stockflow/event-sourcing';
import { chosenChannels, decideWave, releaseTime, subscriptionDecider, subscriptionStreamId, type SubscriptionCommand, type SubscriptionEvent, type SubscriptionState, type WaveDecision } from '@stockflow/notifications-context';
import { CONTACT_COLUMNS, contactJoins, contactOf, endSubscriptions, type ContactRow } from '@stockflow/notifications-store';
import { causedBy, EVENT_STORE, SERVICE_CONFIG } from '@stockflow/platform';
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { ChannelName } from '../channels/channel.js';
import { productLink } from '../channels/product-link.js';
import { WebChannel, type InboxRow, type WebDelivery } from '../channels/web-channel.js';
import { DeliveryStore, type NotifierTransaction, type PlannedDelivery } from '../delivery/delivery-store.js';
import { NotifierMetrics } from '../delivery/notifier-metrics.js';
import type { NotifierConfig } from '../notifier-config.js';
import type { NotificationKind } from '../templates/templates.js';

/** The stock event a plan answers: its id is part of every delivery's unique key. */
export interface Transition {
  readonly eventId: string;
  readonly sku: string;
  readonly kind: NotificationKind;
  readonly occurredAt: Date;
  readonly available: number | null;
  readonly correlationId: string;
  readonly traceparent: string | null;
}

/** An open back-in-stock restock and its waves so far. */
export interface RestockRow {
  event_id: string;
  sku: string;
  occurred_at: Date;
  available: number | null;
  budget: number;
  notified: number;
  waves: number;
  correlation_id: string;
  traceparent: string | null;
}

interface CandidateRow extends ContactRow {
  id: string;
  customer_id: string;
  version: number;
}

export interface SliceOutcome {
  readonly picked: number;
  /** Inbox rows written in the slice's transaction, for the caller to announce after its commit. */
  readonly delivered: readonly InboxRow[];
  readonly unreachable: number;
  readonly channels: ChannelName[];
  readonly queueEmpty: boolean;
}

/** A wave planned in the caller's transaction: its outcome and the inbox rows to announce after the commit. */
export interface PlannedWave {
  readonly outcome: WaveOutcome;
  readonly delivered: readonly InboxRow[];
}

export interface WaveOutcome {
  /** Subscriptions told in this wave (each on at least one channel). */
  readonly picked: number;
  /** Subscriptions ended without a channel to tell them on (all channels off or opted out). */
  readonly unreachable: number;
  readonly channels: ChannelName[];
  readonly done: boolean;
  readonly reason: string | null;
}

/**
 * Turns stock transitions into planned deliveries, inside the transaction that marks the event
 * handled (IdempotentInbox), so a redelivered event plans nothing twice and a crash plans nothing
 * half. Back-in-stock fairness: a restock of N units tells N back-in-stock subscribers, the first
 * subscribed first, in waves of at most WAVE_SIZE, with the stock re-checked before each wave; each
 * one picked ends (SubscriptionFulfilled, appended in the same transaction). An offer holds a unit for
 * OFFER_WINDOW_MS; units still there when offers lapse go to the next in the queue; out of stock, the
 * rest wait for the next restock. Availability subscribers hear of every transition.
 */
@Injectable()
export class Planner {
  /** Fulfils subscriptions through the context's decider, in the planning transaction. */
  private readonly subscriptions: CommandHandler<SubscriptionCommand, SubscriptionEvent, SubscriptionState | null, PoolClient>;

  constructor(
    private readonly web: WebChannel,
    private readonly store: DeliveryStore,
    private readonly metrics: NotifierMetrics,
    @Inject(SERVICE_CONFIG) private readonly config: NotifierConfig,
    @Inject(EVENT_STORE) events: EventStore<PoolClient>,
  ) {
    this.subscriptions = new CommandHandler(events, stockflowCatalog, subscriptionDecider);
  }

  private get s(): string {
    return this.store.s;
  }

  async recordName(client: Pick<PoolClient, 'query'>, sku: string, name: string): Promise<void> {
    await client.query(
      `INSERT INTO ${this.s}.sku_stock (sku, name) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name`,
      [sku, name],
    );
  }

  async recordLevels(client: Pick<PoolClient, 'query'>, sku: string, levels: { onHand: number; reserved: number; available: number }, position: number): Promise<void> {
    await client.query(
      `INSERT INTO ${this.s}.sku_stock AS k (sku, on_hand, reserved, available, position, updated_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved, available = EXCLUDED.available,
         position = EXCLUDED.position, updated_at = now()
       WHERE k.position IS NULL OR k.position < EXCLUDED.position`,
      [sku, levels.onHand, levels.reserved, levels.available, position],
    );
  }

  /**
   * Deliveries for every active `availability` subscription of the SKU; returns the inbox rows
   * written (web, due now), for the caller to announce after its commit.
   */
  async planAvailability(tx: NotifierTransaction, t: Transition): Promise<readonly InboxRow[]> {
    const { rows } = await tx.connection.query<CandidateRow>(
      `SELECT s.id, s.customer_id, s.version, ${CONTACT_COLUMNS}
       FROM ${this.s}.subscriptions s ${contactJoins(this.s, 's')}
       WHERE s.sku = $1 AND s.kind = 'availability' AND s.status = 'active'
       ORDER BY s.subscribed_at, s.seq`,
      [t.sku],
    );
    const planned = rows.flatMap((row) => this.deliveriesFor(row, t, chosenChannels(contactOf(row))));
    return this.record(tx, planned, rows);
  }

  /** Opens a back-in-stock restock with a budget of the units available, and plans its first wave. */
  async openRestock(tx: NotifierTransaction, t: Transition, availableNow: number | null): Promise<PlannedWave> {
    const budget = t.available ?? 0;
    await tx.connection.query(
      `INSERT INTO ${this.s}.restocks (event_id, sku, kind, occurred_at, available, budget, status, correlation_id, traceparent)
       VALUES ($1, $2, 'back-in-stock', $3, $4, $5, 'open', $6, $7)`,
      [t.eventId, t.sku, t.occurredAt, t.available, budget, t.correlationId, t.traceparent],
    );
    const restock: RestockRow = {
      event_id: t.eventId,
      sku: t.sku,
      occurred_at: t.occurredAt,
      available: t.available,
      budget,
      notified: 0,
      waves: 0,
      correlation_id: t.correlationId,
      traceparent: t.traceparent,
    };
    return this.wave(tx, restock, availableNow);
  }

  /** Closes the SKU's open restocks: nothing more is offered once it is out of stock. */
  async closeRestocks(client: PoolClient, sku: string, reason: string): Promise<void> {
    await client.query(`UPDATE ${this.s}.restocks SET status = 'done', closed_by = $2 WHERE sku = $1 AND status = 'open'`, [sku, reason]);
  }

  async recordTransition(client: PoolClient, t: Transition): Promise<void> {
    await client.query(
      `INSERT INTO ${this.s}.restocks (event_id, sku, kind, occurred_at, available, status, correlation_id, traceparent)
       VALUES ($1, $2, $3, $4, $5, 'done', $6, $7) ON CONFLICT (event_id) DO NOTHING`,
      [t.eventId, t.sku, t.kind, t.occurredAt, t.available, t.correlationId, t.traceparent],
    );
  }

  /**
   * One wave of a restock in the caller's transaction (the BackInStock handler's first wave).
   * The restock row must be locked by the caller (or created in its transaction).
   */
  async wave(tx: NotifierTransaction, restock: RestockRow, availableNow: number | null): Promise<PlannedWave> {
    const size = await this.sizeWave(tx.connection, restock, availableNow);
    if (size.outcome) return { outcome: size.outcome, delivered: [] };
    const slice = await this.pickSlice(tx, restock, size.wave, 1, Math.min(size.room, this.config.WAVE_SIZE), availableNow);
    return { outcome: await this.finishWave(tx.connection, restock, [slice]), delivered: slice.delivered };
  }

  /**
   * How many the next wave may tell: the stock now (`availableNow`; null when unknown: the
   * restock's own figure) less the units held by this restock's offers younger than
   * OFFER_WINDOW_MS. Out of stock ends the restock; every unit held defers the next wave until the
   * oldest live offer lapses (both settled here, with an `outcome`).
   */
  async sizeWave(client: PoolClient, restock: RestockRow, availableNow: number | null): Promise<{ room: number; wave: number; outcome?: WaveOutcome }> {
    if (availableNow !== null && availableNow <= 0) return this.settle(client, restock, decideWave({ availableNow, restockAvailable: restock.available, held: 0, lastWave: 0, waveSize: this.config.WAVE_SIZE }), null);
    const { rows: live } = await client.query<{ held: number; oldest: Date | null; last_wave: number }>(
      `SELECT coalesce(sum(picked) FILTER (WHERE planned_at > now() - $2::int * interval '1 millisecond'), 0)::int AS held,
              min(planned_at) FILTER (WHERE planned_at > now() - $2::int * interval '1 millisecond') AS oldest,
              coalesce(max(wave), 0)::int AS last_wave
       FROM ${this.s}.restock_waves WHERE event_id = $1`,
      [restock.event_id, this.config.OFFER_WINDOW_MS],
    );
    const { held, oldest, last_wave: lastWave } = live[0]!;
    return this.settle(client, restock, decideWave({ availableNow, restockAvailable: restock.available, held, lastWave, waveSize: this.config.WAVE_SIZE }), oldest);
  }

  /** Carries out a wave decision: closes the restock, or defers it until the oldest live offer lapses, or sizes the wave. */
  private async settle(client: PoolClient, restock: RestockRow, decision: WaveDecision, oldestOffer: Date | null): Promise<{ room: number; wave: number; outcome?: WaveOutcome }> {
    switch (decision.kind) {
      case 'close':
        await this.close(client, restock.event_id, decision.reason);
        return { room: 0, wave: 0, outcome: { picked: 0, unreachable: 0, channels: [], done: true, reason: decision.reason } };
      case 'defer':
        await client.query(
          `UPDATE ${this.s}.restocks SET next_wave_at = $2::timestamptz + $3::int * interval '1 millisecond' WHERE event_id = $1`,
          [restock.event_id, oldestOffer ?? new Date(), this.config.OFFER_WINDOW_MS],
        );
        return { room: 0, wave: decision.wave, outcome: { picked: 0, unreachable: 0, channels: [], done: false, reason: decision.reason } };
      case 'pick':
        return { room: decision.room, wave: decision.wave };
    }
  }

  /**
   * Picks up to `want` of the first-subscribed active back-in-stock subscriptions (skipping rows
   * another slice of the same wave holds, so parallel slices take disjoint parts of the queue head),
   * ends them with SubscriptionFulfilled, plans their deliveries and records the slice.
   */
  async pickSlice(
    tx: NotifierTransaction,
    restock: RestockRow,
    wave: number,
    slice: number,
    want: number,
    availableNow: number | null,
  ): Promise<SliceOutcome> {
    const t: Transition = {
      eventId: restock.event_id,
      sku: restock.sku,
      kind: 'back-in-stock',
      occurredAt: restock.occurred_at,
      available: availableNow ?? restock.available,
      correlationId: restock.correlation_id,
      traceparent: restock.traceparent,
    };
    const client = tx.connection;
    let picked = 0;
    let unreachable = 0;
    let queueEmpty = false;
    const channelsUsed = new Set<ChannelName>();
    const delivered: InboxRow[] = [];
    while (picked < want) {
      const asked = want - picked;
      const { rows } = await client.query<CandidateRow>(
        `SELECT s.id, s.customer_id, s.version, ${CONTACT_COLUMNS}
         FROM ${this.s}.subscriptions s ${contactJoins(this.s, 's')}
         WHERE s.sku = $1 AND s.kind = 'back-in-stock' AND s.status = 'active'
         ORDER BY s.subscribed_at, s.seq LIMIT $2
         FOR UPDATE OF s SKIP LOCKED`,
        [restock.sku, asked],
      );
      const planned: PlannedDelivery[] = [];
      const fulfilled: { id: string; version: number }[] = [];
      for (const row of rows) {
        const channels = chosenChannels(contactOf(row));
        const version = await this.fulfil(tx, row, restock, channels);
        fulfilled.push({ id: row.id, version });
        if (channels.length === 0) {
          unreachable++;
          continue;
        }
        picked++;
        channels.forEach((c) => channelsUsed.add(c));
        planned.push(...this.deliveriesFor(row, t, channels));
      }
      if (fulfilled.length > 0) {
        await endSubscriptions(client, this.s, fulfilled, { status: 'fulfilled', restockEventId: restock.event_id });
        delivered.push(...(await this.record(tx, planned, rows)));
      }
      if (rows.length < asked) {
        queueEmpty = true;
        break;
      }
    }
    await client.query(`INSERT INTO ${this.s}.restock_waves (event_id, wave, slice, picked, available) VALUES ($1, $2, $3, $4, $5)`, [
      restock.event_id,
      wave,
      slice,
      picked,
      availableNow,
    ]);
    this.metrics.fulfilled.inc(picked + unreachable);
    return { picked, delivered, unreachable, channels: [...channelsUsed], queueEmpty };
  }

  /** Records a wave's slices on the restock (the totals come from `restock_waves`, which survive a crash between slices). */
  async finishWave(client: PoolClient, restock: RestockRow, slices: readonly SliceOutcome[]): Promise<WaveOutcome> {
    const queueEmpty = slices.some((x) => x.queueEmpty);
    const reason = queueEmpty ? 'no one else waiting' : null;
    await client.query(
      `UPDATE ${this.s}.restocks r SET notified = w.notified, waves = w.waves, status = $2, closed_by = $3, next_wave_at = now()
       FROM (SELECT coalesce(sum(picked), 0)::int AS notified, coalesce(max(wave), 0)::int AS waves FROM ${this.s}.restock_waves WHERE event_id = $1) w
       WHERE r.event_id = $1`,
      [restock.event_id, queueEmpty ? 'done' : 'open', reason],
    );
    this.metrics.waves.inc();
    return {
      picked: slices.reduce((n, x) => n + x.picked, 0),
      unreachable: slices.reduce((n, x) => n + x.unreachable, 0),
      channels: [...new Set(slices.flatMap((x) => x.channels))],
      done: queueEmpty,
      reason,
    };
  }

  private async close(client: PoolClient, eventId: string, reason: string): Promise<void> {
    await client.query(`UPDATE ${this.s}.restocks SET status = 'done', closed_by = $2 WHERE event_id = $1`, [eventId, reason]);
  }

  /**
   * Ends a picked subscription through the Subscription decider, in the planning transaction: the
   * locked active row is the state decided on (no read), its version the append's expected version.
   */
  private async fulfil(tx: NotifierTransaction, row: CandidateRow, restock: RestockRow, channels: ChannelName[]): Promise<number> {
    const state: SubscriptionState = { id: row.id, customerId: row.customer_id, sku: restock.sku, kind: 'back-in-stock', status: 'active' };
    const result = await this.subscriptions.handle(
      subscriptionStreamId(row.id),
      { type: 'FulfilSubscription', subscriptionId: row.id, restockEventId: restock.event_id, channels },
      {
        metadata: causedBy({ eventId: restock.event_id, correlationId: restock.correlation_id, traceparent: restock.traceparent }),
        within: tx,
        knownState: { state, version: row.version },
      },
    );
    return result.version;
  }

  private deliveriesFor(row: CandidateRow, t: Transition, channels: readonly ChannelName[]): PlannedDelivery[] {
    if (channels.length === 0) return [];
    const contact = contactOf(row);
    const now = new Date();
    const release = releaseTime(now, contact.timeZone, contact.quietHours);
    const held = release > now ? release : null;
    return channels.map((channel) => ({
      subscriptionId: row.id,
      eventId: t.eventId,
      channel,
      customerId: row.customer_id,
      sku: t.sku,
      kind: t.kind,
      available: t.available,
      nextAttemptAt: release,
      heldUntil: held,
      eventOccurredAt: t.occurredAt,
    }));
  }

  /**
   * Stores the planned deliveries (the unique key drops any planned before). Web deliveries due now
   * are delivered on the spot: their inbox rows are written and marked `sent` in this same
   * transaction (no second hop through the dispatcher) and returned for the caller to publish after
   * the commit. The rest (email, SMS, anything held for quiet hours) wait for the dispatcher.
   */
  private async record(tx: NotifierTransaction, planned: PlannedDelivery[], rows: readonly CandidateRow[]): Promise<InboxRow[]> {
    if (planned.length === 0) return [];
    const client = tx.connection;
    const later = planned.filter((p) => p.channel !== 'web' || p.heldUntil !== null);
    const now = planned.filter((p) => p.channel === 'web' && p.heldUntil === null).map((p) => ({ ...p, id: randomUUID() }));
    for (let i = 0; i < later.length; i += 5_000) {
      for (const row of await this.store.plan(client, later.slice(i, i + 5_000))) {
        this.metrics.deliveries.inc({ channel: row.channel, status: row.held ? 'held' : 'queued' });
      }
    }
    if (now.length === 0) return [];
    const localeOf = new Map(rows.map((row) => [row.id, contactOf(row).locale]));
    const { rows: names } = await client.query<{ name: string | null }>(`SELECT name FROM ${this.s}.sku_stock WHERE sku = $1`, [now[0]!.sku]);
    const productName = names[0]?.name ?? now[0]!.sku;
    const delivered: InboxRow[] = [];
    for (let i = 0; i < now.length; i += 5_000) {
      const slice = now.slice(i, i + 5_000);
      const stored = new Set((await this.store.planDelivered(tx, slice)).map((r) => r.id));
      const web: WebDelivery[] = slice
        .filter((p) => stored.has(p.id))
        .map((p) => ({
          deliveryId: p.id,
          customerId: p.customerId,
          subscriptionId: p.subscriptionId,
          sku: p.sku,
          kind: p.kind,
          locale: localeOf.get(p.subscriptionId) ?? 'en',
          productName,
          available: p.available,
          link: productLink(this.config.LINK_BASE_URL, p.sku),
        }));
      delivered.push(...(await this.web.insert(client, web)));
    }
    return delivered;
  }

}
