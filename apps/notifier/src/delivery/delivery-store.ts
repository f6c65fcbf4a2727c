import { Inject, Injectable } from '@nestjs/common';
import { requireTransactions, type EventStore, type EventStoreTransaction } from '@stockflow/event-sourcing';
import { applySmsStatusReport, CONTACT_COLUMNS, contactJoins, smsDeliveryReportedEvent, type ContactRow } from '@stockflow/notifications-store';
import { stockflowCatalog } from '@stockflow/contracts';
import { EVENT_STORE, PG_POOL, SERVICE_CONFIG } from '@stockflow/platform';
import { quoteSchema } from '@stockflow/postgres';
import { randomInt, randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { maskRecipient, type CapAdmission, type CappedChannel } from '@stockflow/notifications-context';
import type { ChannelName } from '../channels/channel.js';
import type { NotifierConfig } from '../notifier-config.js';
import type { NotificationKind } from '../templates/templates.js';
import { deliveryOutcomeEvent, ENDED_DELIVERY_COLUMNS, type EndedDeliveryRow } from './delivery-outcome.js';

/** A transaction of the notifier's event store: its appends and the statements on its connection commit together. */
export type NotifierTransaction = EventStoreTransaction<PoolClient>;

/** A delivery's states; `sent`, `dead`, `cancelled` and `capped` (its recipient's daily cap was reached, ADR 0028) are final. */
export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'failed', 'dead', 'cancelled', 'capped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A delivery to plan: exactly one per (subscription, event, channel) is ever stored. */
export interface PlannedDelivery {
  readonly subscriptionId: string;
  readonly eventId: string;
  readonly channel: ChannelName;
  readonly customerId: string;
  readonly sku: string;
  readonly kind: NotificationKind;
  readonly available: number | null;
  readonly nextAttemptAt: Date;
  readonly heldUntil: Date | null;
  readonly eventOccurredAt: Date;
}

/** A claimed delivery with what sending it needs: the customer's current contact, the subscription, the product. */
export interface ClaimedDelivery extends ContactRow {
  id: string;
  subscription_id: string;
  event_id: string;
  channel: ChannelName;
  customer_id: string;
  sku: string;
  kind: NotificationKind;
  available: number | null;
  attempts: number;
  resumed: boolean;
  interrupted_claim_at: Date | null;
  event_occurred_at: Date;
  subscription_status: string | null;
  product_name: string | null;
  traceparent: string | null;
}

/**
 * The deliveries table and its log. Sending rows carry a lease and the id of the notifier process
 * that claimed them; that process holds a session advisory lock on (schema class, its id) for as long
 * as it lives, so a row whose claimer's lock is gone (crash, SIGKILL, lost connection) can be resumed
 * at once instead of after the lease.
 */
@Injectable()
export class DeliveryStore {
  readonly s: string;
  /** First key of the liveness locks of this schema's notifiers. */
  readonly livenessClass: number;
  /** This process's id in `claimed_by` (second key of its liveness lock). */
  readonly instanceId = randomInt(1, 2 ** 31 - 1);
  /** Key of the transaction lock that makes inbox ids follow commit order. */
  readonly inboxLockKey: string;
  private livenessClient: PoolClient | null = null;
  private livenessWanted = false;
  private livenessRetry: NodeJS.Timeout | null = null;

  constructor(
    @Inject(PG_POOL) readonly pool: Pool,
    @Inject(SERVICE_CONFIG) private readonly config: NotifierConfig,
    @Inject(EVENT_STORE) private readonly events: EventStore<PoolClient>,
  ) {
    requireTransactions(events, 'the notifier');
    this.s = quoteSchema(config.DB_SCHEMA);
    this.livenessClass = hash31(`stockflow.notifier.liveness:${config.DB_SCHEMA}`);
    this.inboxLockKey = String(hash31(`stockflow.notifier.inbox:${config.DB_SCHEMA}`));
  }

  /** Runs `work` in one transaction of the event store (see NotifierTransaction). */
  transaction<T>(work: (tx: NotifierTransaction) => Promise<T>): Promise<T> {
    return this.events.withTransaction(work);
  }

  /**
   * Takes this process's liveness lock on a connection of its own, kept until `releaseLiveness`.
   * When that connection is lost (a database restart), the lock is taken again with backoff.
   */
  async holdLiveness(): Promise<void> {
    this.livenessWanted = true;
    if (this.livenessClient) return;
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1::int, $2::int)', [this.livenessClass, this.instanceId]);
    } catch (error) {
      client.release(true);
      throw error;
    }
    const lost = (): void => {
      if (this.livenessClient !== client) return;
      this.livenessClient = null;
      client.release(true);
      this.retakeLiveness(1);
    };
    client.on('error', lost);
    client.on('end', lost);
    this.livenessClient = client;
  }

  private retakeLiveness(attempt: number): void {
    if (!this.livenessWanted || this.livenessRetry) return;
    this.livenessRetry = setTimeout(
      () => {
        this.livenessRetry = null;
        this.holdLiveness().catch(() => this.retakeLiveness(attempt + 1));
      },
      Math.min(100 * 2 ** attempt, 2_000),
    );
  }

  releaseLiveness(): void {
    this.livenessWanted = false;
    if (this.livenessRetry) clearTimeout(this.livenessRetry);
    this.livenessRetry = null;
    // Ending the session releases the lock.
    const client = this.livenessClient;
    this.livenessClient = null;
    client?.release(true);
  }

  /** Inserts the planned deliveries that do not exist yet (the unique key) and logs them `queued`. */
  async plan(client: PoolClient, planned: readonly PlannedDelivery[]): Promise<{ id: string; subscription_id: string; channel: ChannelName; held: boolean }[]> {
    if (planned.length === 0) return [];
    const col = <T>(pick: (p: PlannedDelivery) => T): T[] => planned.map(pick);
    const { rows } = await client.query<{ id: string; subscription_id: string; channel: ChannelName; held: boolean }>(
      `WITH inserted AS (
         INSERT INTO ${this.s}.deliveries
           (id, subscription_id, event_id, channel, customer_id, sku, kind, available, status, next_attempt_at, held_until, event_occurred_at)
         SELECT gen_random_uuid(), p.subscription_id, p.event_id, p.channel, p.customer_id, p.sku, p.kind, p.available, 'queued', p.next_at, p.held_until, p.occurred_at
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[])
           AS p(subscription_id, event_id, channel, customer_id, sku, kind, available, next_at, held_until, occurred_at)
         ON CONFLICT (subscription_id, event_id, channel) DO NOTHING
         RETURNING id, subscription_id, channel, held_until
       ), logged AS (
         INSERT INTO ${this.s}.delivery_log (delivery_id, channel, status, attempt, detail)
         SELECT id, channel, 'queued', 0, CASE WHEN held_until IS NULL THEN NULL
           ELSE 'held for quiet hours until ' || to_char(held_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END
         FROM inserted
       )
       SELECT id, subscription_id, channel, held_until IS NOT NULL AS held FROM inserted`,
      [
        col((p) => p.subscriptionId),
        col((p) => p.eventId),
        col((p) => p.channel),
        col((p) => p.customerId),
        col((p) => p.sku),
        col((p) => p.kind),
        col((p) => p.available),
        col((p) => p.nextAttemptAt),
        col((p) => p.heldUntil),
        col((p) => p.eventOccurredAt),
      ],
    );
    return rows;
  }

  /**
   * Web deliveries due now, planned and delivered in one go: stored straight as `sent` (one log row),
   * the ones not planned before (the unique key) returned for the caller to write to the inbox in
   * the same transaction.
   */
  async planDelivered(tx: NotifierTransaction, planned: readonly (PlannedDelivery & { id: string })[]): Promise<{ id: string }[]> {
    if (planned.length === 0) return [];
    const col = <T>(pick: (p: PlannedDelivery & { id: string }) => T): T[] => planned.map(pick);
    const { rows } = await tx.connection.query<EndedDeliveryRow>(
      `WITH inserted AS (
         INSERT INTO ${this.s}.deliveries
           (id, subscription_id, event_id, channel, customer_id, sku, kind, available, status, attempts, next_attempt_at, event_occurred_at,
            provider, recipient, sent_at)
         SELECT p.id, p.subscription_id, p.event_id, 'web', p.customer_id, p.sku, p.kind, p.available, 'sent', 1, now(), p.occurred_at,
           'inbox', 'inbox', now()
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::int[], $8::timestamptz[])
           AS p(id, subscription_id, event_id, customer_id, sku, kind, available, occurred_at)
         ON CONFLICT (subscription_id, event_id, channel) DO NOTHING
         RETURNING *
       ), logged AS (
         INSERT INTO ${this.s}.delivery_log (delivery_id, channel, status, attempt, provider, detail)
         SELECT id, 'web', 'sent', 1, 'inbox', 'written to the inbox when planned' FROM inserted
       )
       SELECT ${ENDED_DELIVERY_COLUMNS} FROM inserted d`,
      [
        col((p) => p.id),
        col((p) => p.subscriptionId),
        col((p) => p.eventId),
        col((p) => p.customerId),
        col((p) => p.sku),
        col((p) => p.kind),
        col((p) => p.available),
        col((p) => p.eventOccurredAt),
      ],
    );
    await this.publishOutcomes(tx, rows);
    return rows;
  }

  /** The joins that give a delivery the customer's current contact, its subscription and the product name. */
  contextJoins(alias: string): string {
    return `${contactJoins(this.s, alias)}
      LEFT JOIN ${this.s}.subscriptions su ON su.id = ${alias}.subscription_id
      LEFT JOIN ${this.s}.sku_stock k ON k.sku = ${alias}.sku
      LEFT JOIN ${this.s}.restocks rs ON rs.event_id = ${alias}.event_id`;
  }

  /** The restock's `traceparent` is the span a send continues (ADR 0037). */
  readonly contextColumns = `${CONTACT_COLUMNS}, su.status AS subscription_status, k.name AS product_name, rs.traceparent AS traceparent`;

  /** Claims up to `limit` due email/SMS deliveries for this process: `sending`, leased, attempt counted. */
  async claim(channel: ChannelName, limit: number): Promise<ClaimedDelivery[]> {
    const { rows } = await this.pool.query<ClaimedDelivery>(
      `WITH due AS (
         SELECT id FROM ${this.s}.deliveries
         WHERE channel = $1 AND status IN ('queued', 'failed') AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $2
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE ${this.s}.deliveries d
         SET status = 'sending', attempts = d.attempts + 1, lease_until = now() + $3::int * interval '1 millisecond', claimed_by = $4,
           claimed_at = now()
         FROM due WHERE d.id = due.id
         RETURNING d.*
       )
       SELECT c.id, c.subscription_id, c.event_id, c.channel, c.customer_id, c.sku, c.kind, c.available, c.attempts, c.resumed,
              c.interrupted_claim_at, c.event_occurred_at,
              ${this.contextColumns}
       FROM claimed c ${this.contextJoins('c')}`,
      [channel, limit, this.config.LEASE_MS, this.instanceId],
    );
    return rows;
  }

  /**
   * Sending rows whose process is gone (its liveness lock is free) or whose lease ran out go back to
   * `queued`, marked `resumed`: the provider may or may not have accepted them (the crash window).
   * This process's own rows only when their lease ran out: it is alive and still holds them, even
   * while its lock is being taken again after a lost connection.
   */
  async reclaimStale(channel: ChannelName): Promise<number> {
    const { rows } = await this.pool.query<{ delivery_id: string }>(
      `WITH stale AS (
         SELECT d.id FROM ${this.s}.deliveries d
         WHERE d.channel = $1 AND d.status = 'sending' AND (
           d.lease_until < now() OR d.claimed_by <> $3 AND NOT EXISTS (
             SELECT 1 FROM pg_locks l
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid = $2::int::oid AND l.objid = d.claimed_by::oid))
         FOR UPDATE OF d SKIP LOCKED
       ), requeued AS (
         UPDATE ${this.s}.deliveries d SET status = 'queued', resumed = true, interrupted_claim_at = d.claimed_at, next_attempt_at = now(),
           lease_until = NULL, claimed_by = NULL
         FROM stale WHERE d.id = stale.id
         RETURNING d.id, d.channel, d.attempts
       )
       INSERT INTO ${this.s}.delivery_log (delivery_id, channel, status, attempt, detail)
       SELECT id, channel, 'failed', attempts, 'interrupted: the notifier sending it stopped before recording the outcome; resending'
       FROM requeued RETURNING delivery_id`,
      [channel, this.livenessClass, this.instanceId],
    );
    return rows.length;
  }

  /** Sent: recorded (the recipient masked, ADR 0029), logged and published (NotificationDelivered) in one transaction. */
  async markSent(id: string, provider: string, providerMessageId: string | null, recipient: string, detail: string | null = providerMessageId): Promise<void> {
    recipient = maskRecipient(recipient);
    // The SMS provider may have reported the message's fate before this commit (ADR 0031): applied now.
    const reportedSid = providerMessageId;
    await this.endInTransaction(
      `WITH d AS (
         UPDATE ${this.s}.deliveries SET status = 'sent', sent_at = now(), provider = $2, provider_message_id = $3, recipient = $4,
           lease_until = NULL, last_error = NULL
         -- only once: a retry after a commit whose answer was lost changes nothing
         WHERE id = $1 AND status = 'sending' RETURNING *),
       logged AS (
         INSERT INTO ${this.s}.delivery_log (delivery_id, channel, status, attempt, provider, detail)
         SELECT id, channel, 'sent', attempts, $2, $5 FROM d)
       SELECT ${ENDED_DELIVERY_COLUMNS} FROM d`,
      [id, provider, providerMessageId, recipient, detail],
      reportedSid ? (tx) => this.applyReportedSms(tx, reportedSid) : undefined,
    );
  }

  /** Applies an SMS status report that came before the send was recorded, with its SmsDeliveryReported. */
  private async applyReportedSms(tx: NotifierTransaction, messageSid: string): Promise<void> {
    for (const delivery of await applySmsStatusReport(tx.connection, this.s, messageSid)) {
      const { streamId, type, data } = smsDeliveryReportedEvent(delivery);
      await tx.appendToStream(streamId, [{ eventId: randomUUID(), type, schemaVersion: stockflowCatalog.currentVersion(type), data, correlationId: delivery.deliveryId, causationId: null, traceparent: null }], {
        expectedVersion: 'stream_exists',
      });
    }
  }

  /** Web deliveries whose inbox rows were just written in the caller's transaction: `sent`, logged. */
  async markWebSent(tx: NotifierTransaction, deliveryIds: readonly string[], inboxIds: readonly (string | null)[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    const { rows } = await tx.connection.query<EndedDeliveryRow>(
      `WITH s AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS s(id, inbox_id)),
       d AS (
         UPDATE ${this.s}.deliveries d SET status = 'sent', sent_at = now(), attempts = d.attempts + 1, provider = 'inbox',
           provider_message_id = s.inbox_id, recipient = 'inbox', last_error = NULL
         FROM s WHERE d.id = s.id RETURNING d.*, s.inbox_id),
       logged AS (
         INSERT INTO ${this.s}.delivery_log (delivery_id, channel, status, attempt, provider, detail)
         SELECT id, 'web', 'sent', attempts, 'inbox', 'inbox id ' || coalesce(inbox_id, '?') FROM d)
       SELECT ${ENDED_DELIVERY_COLUMNS} FROM d`,
      [deliveryIds, inboxIds],
    );
    await this.publishOutcomes(tx, rows);
  }

  /** A failed attempt: `failed` and due again at `nextAt`, or `dead` (the dead letter, with the reason, published as NotificationFailed). */
  async markFailed(id: string, status: 'failed' | 'dead', reason: string, provider: string | null, nextAt: Date | null): Promise<void> {
    const sql = `WITH d AS (
         UPDATE ${this.s}.deliveries SET status = $2, last_error = $3, provider = coalesce($4, provider), next_attempt_at = coalesce($5, next_attempt_at),
           lease_until = NULL
         WHERE id = $1 RETURNING *),
       logged AS (
         INSERT INTO ${this.s}.delivery_log (delivery_id, channel, status, attempt, provider, detail)
         SELECT id, channel, $2, attempts, $4, $3 FROM d)
       SELECT ${ENDED_DELIVERY_COLUMNS} FROM d`;
    const values = [id, status, reason.slice(0, 1000), provider, nextAt];
    if (status === 'dead') await this.endInTransaction(sql, values);
    else await this.pool.query(sql, values);
  }

  /** Not sent and never will be: the customer turned the channel off, opted out, or cancelled. */
  async markCancelled(ids: readonly string[], reasons: readonly string[], client: Pick<Pool, 'query'> = this.pool): Promise<void> {
    if (ids.length === 0) return;
    await client.query(
      `WITH r AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS r(id, reason)),
       d AS (
         UPDATE ${this.s}.deliveries d SET status = 'cancelled', last_error = r.reason, lease_until = NULL
         FROM r WHERE d.id = r.id RETURNING d.id, d.channel, d.attempts, r.reason)
       INSERT INTO ${this.s}.delivery_log (delivery_id, channel, status, attempt, detail)
       SELECT id, channel, 'cancelled', attempts, reason FROM d`,
      [ids, reasons],
    );
  }

  /** Quiet hours began since it was planned: back to `queued` until the window ends (the attempt is not counted). */
  async hold(ids: readonly string[], until: readonly Date[], client: Pick<Pool, 'query'> = this.pool, counted = true): Promise<void> {
    if (ids.length === 0) return;
    await client.query(
      `WITH r AS (SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) AS r(id, until)),
       d AS (
         UPDATE ${this.s}.deliveries d SET status = 'queued', next_attempt_at = r.until, held_until = r.until, lease_until = NULL,
           attempts = d.attempts - $3::int
         FROM r WHERE d.id = r.id RETURNING d.id, d.channel, d.attempts, r.until)
       INSERT INTO ${this.s}.delivery_log (delivery_id, channel, status, attempt, detail)
       SELECT id, channel, 'queued', attempts, 'held for quiet hours until ' || to_char(until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM d`,
      [ids, until, counted ? 1 : 0],
    );
  }

  /**
   * Counts a message about to be sent — a delivery or a confirmation code, by its id — on its
   * recipient's counter for the current UTC day (the database's clock), in one transaction:
   * 1. the message is claimed in `daily_send_messages` (a concurrent count of the same message waits
   *    here); if it was counted before on this counter (a retry, a resumed send): `already-counted`;
   * 2. the counter is taken with `INSERT … ON CONFLICT DO UPDATE … WHERE sends < cap RETURNING`, so
   *    replicas counting at once serialize on its row and never pass the cap; nothing returned: the
   *    transaction rolls back (the claim too) and the message is `capped`.
   * Throws when either cannot be written: the caller then does not send.
   */
  async admit(messageId: string, channel: CappedChannel, recipientHash: string, cap: number): Promise<CapAdmission> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const claimed = await client.query(
        `INSERT INTO ${this.s}.daily_send_messages AS m (message_id, recipient_hash) VALUES ($1, $2)
         ON CONFLICT (message_id) DO UPDATE SET recipient_hash = EXCLUDED.recipient_hash, counted_at = now()
         WHERE m.recipient_hash <> EXCLUDED.recipient_hash
         RETURNING m.message_id`,
        [messageId, recipientHash],
      );
      if (claimed.rowCount === 0) {
        await client.query('COMMIT');
        return { kind: 'already-counted' };
      }
      const { rows } = await client.query<{ sends: number }>(
        `INSERT INTO ${this.s}.daily_sends AS c (channel, recipient_hash, day, sends)
         SELECT $1, $2, (now() AT TIME ZONE 'UTC')::date, 1 WHERE $3::int > 0
         ON CONFLICT (channel, recipient_hash, day) DO UPDATE SET sends = c.sends + 1 WHERE c.sends < $3::int
         RETURNING c.sends`,
        [channel, recipientHash, cap],
      );
      if (rows.length === 0) {
        await client.query('ROLLBACK');
        return { kind: 'capped' };
      }
      await client.query('COMMIT');
      return { kind: 'counted', count: rows[0]!.sends };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Not sent and never will be: its recipient reached the daily cap (ADR 0028). Final, like cancelled. */
  async markCapped(id: string, reason: string): Promise<void> {
    await this.pool.query(
      `WITH d AS (
         UPDATE ${this.s}.deliveries SET status = 'capped', last_error = $2, lease_until = NULL
         WHERE id = $1 AND status = 'sending' RETURNING id, channel, attempts)
       INSERT INTO ${this.s}.delivery_log (delivery_id, channel, status, attempt, detail)
       SELECT id, channel, 'capped', attempts, $2 FROM d`,
      [id, reason],
    );
  }

  /**
   * Not sent because its counter could not be written: due again at `nextAt`, the attempt not counted
   * (it never reached a provider). Never sent uncounted.
   */
  async retryUncounted(id: string, nextAt: Date, reason: string): Promise<void> {
    await this.pool.query(
      `WITH d AS (
         UPDATE ${this.s}.deliveries SET status = 'failed', last_error = $3, next_attempt_at = $2, lease_until = NULL, attempts = attempts - 1
         WHERE id = $1 AND status = 'sending' RETURNING id, channel, attempts)
       INSERT INTO ${this.s}.delivery_log (delivery_id, channel, status, attempt, detail)
       SELECT id, channel, 'failed', attempts, $3 FROM d`,
      [id, nextAt, reason],
    );
  }

  /**
   * Deletes what has served its purpose: the daily counters older than yesterday (UTC); the counted
   * messages older than three days (a retry comes within hours: the backoff's ceiling times the
   * attempts, or a night of quiet hours); SMS status reports older than 30 days (they bridge a
   * callback that arrives before its send is recorded, and keep a final status from being replaced
   * by a late one; the provider's callbacks come within minutes, and a delivery keeps the final
   * status it was given).
   */
  async pruneExpiredRows(): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.s}.daily_sends WHERE day < (now() AT TIME ZONE 'UTC')::date - 1`);
    await this.pool.query(`DELETE FROM ${this.s}.daily_send_messages WHERE counted_at < now() - interval '3 days'`);
    await this.pool.query(`DELETE FROM ${this.s}.sms_status_reports WHERE reported_at < now() - interval '30 days'`);
  }

  /** Runs a statement that ends deliveries and publishes their outcomes (then `after`, if given), atomically. */
  private endInTransaction(sql: string, values: unknown[], after?: (tx: NotifierTransaction) => Promise<void>): Promise<void> {
    return this.events.withTransaction(async (tx) => {
      const { rows } = await tx.connection.query<EndedDeliveryRow>(sql, values);
      await this.publishOutcomes(tx, rows);
      if (after && rows.length > 0) await after(tx);
    });
  }


  /**
   * Appends the outcome events of ended deliveries in the transaction `tx`: the
   * notifications relay publishes them like every other event of the context, and a delivery's
   * stream takes only its first outcome, so a repeated call adds nothing.
   */
  private async publishOutcomes(tx: NotifierTransaction, rows: readonly EndedDeliveryRow[]): Promise<void> {
    const now = Date.now();
    const outcomes = [];
    for (const row of rows) {
      const outcome = deliveryOutcomeEvent(row, now);
      if (outcome) outcomes.push(outcome);
    }
    for (let i = 0; i < outcomes.length; i += 5_000) await tx.startStreams(outcomes.slice(i, i + 5_000));
  }

  async pendingByChannel(): Promise<Record<ChannelName, number>> {
    const { rows } = await this.pool.query<{ channel: ChannelName; n: number }>(
      `SELECT channel, count(*)::int AS n FROM ${this.s}.deliveries WHERE status IN ('queued', 'failed', 'sending') GROUP BY channel`,
    );
    const counts: Record<ChannelName, number> = { email: 0, sms: 0, web: 0 };
    for (const row of rows) counts[row.channel] = row.n;
    return counts;
  }
}

/** A stable non-negative 31-bit hash (FNV-1a). */
export function hash31(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 0x7fffffff;
}
