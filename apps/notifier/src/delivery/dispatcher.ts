import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { dailyCapKey, dailyCapOf, recipientCapHash, recipientFor, releaseTime, type CapAdmission, type CappedChannel, type Contact } from '@stockflow/notifications-context';
import { contactOf, prepareSchema } from '@stockflow/notifications-store';
import { inSpan, SpanKind } from '@stockflow/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@stockflow/platform';
import type { Logger } from 'pino';
import type { ChannelName, SendingChannel } from '../channels/channel.js';
import { SendError } from '../channels/channel.js';
import { EmailChannel } from '../channels/email-channel.js';
import { SmsChannel } from '../channels/sms-channel.js';
import { productLink } from '../channels/product-link.js';
import { WebChannel, type InboxRow, type WebDelivery } from '../channels/web-channel.js';
import type { NotifierConfig } from '../notifier-config.js';
import { retryDelayMs } from './backoff.js';
import { DeliveryStore, type ClaimedDelivery } from './delivery-store.js';
import { NotifierMetrics } from './notifier-metrics.js';
import { Signal } from './signal.js';

/** Why a claimed delivery is not sent after all (it was planned when the customer wanted it). */
function cancellation(row: ClaimedDelivery, contact: Contact): string | null {
  if (row.subscription_status === 'cancelled') return 'the subscription was cancelled';
  if (recipientFor(row.channel, contact) !== null) return null;
  switch (row.channel) {
    case 'email':
      return 'email is off for the customer (unsubscribed, turned off, or no address)';
    case 'sms':
      return contact.smsOptedOut ? 'the phone number opted out (STOP)' : 'SMS is off for the customer (turned off, or no phone)';
    case 'web':
      return 'the web channel is off for the customer';
  }
}

/** Why a message was not sent: its recipient's daily cap (ADR 0028). */
export function cappedReason(channel: CappedChannel, cap: number): string {
  return `not sent: the ${channel === 'email' ? 'address' : 'number'} reached its daily cap of ${cap} messages (UTC day)`;
}

/**
 * Sends what the planner queued. One loop per channel:
 * - web: claims a batch (`FOR UPDATE SKIP LOCKED`), writes the inbox rows and marks them `sent` in
 *   the same transaction, then announces them on NATS;
 * - email and SMS: claim due rows (`sending`, with a lease and this process's id), send up to the
 *   channel's concurrency at once, record `sent` — or `failed` with the next attempt after an
 *   exponential backoff with jitter, or `dead` with the reason after the last attempt or a permanent
 *   refusal. Rows claimed by a process that died are resumed (see DeliveryStore.reclaimStale).
 * Quiet hours are checked again at send time: a delivery that became due inside them waits for the end.
 */
@Injectable()
export class Dispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly signals: Record<ChannelName, Signal> = { email: new Signal(), sms: new Signal(), web: new Signal() };
  private readonly loops: Promise<void>[] = [];
  private started: Promise<void> | undefined;
  private stopping = false;
  readonly email: EmailChannel;
  readonly sms: SmsChannel;
  private gaugeTimer: NodeJS.Timeout | undefined;
  /** The key of the daily counters' recipient hashes (ADR 0028). */
  private readonly capKey: Buffer;
  private lastPrune = 0;

  constructor(
    private readonly store: DeliveryStore,
    private readonly metrics: NotifierMetrics,
    @Inject(SERVICE_CONFIG) private readonly config: NotifierConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    readonly web: WebChannel,
  ) {
    this.email = new EmailChannel({
      smtp: config.smtp,
      poolSize: config.SMTP_POOL_SIZE,
      from: config.MAIL_FROM,
      unsubscribeBaseUrl: config.UNSUBSCRIBE_BASE_URL,
      unsubscribeSecret: config.UNSUBSCRIBE_SECRET,
    });
    this.capKey = dailyCapKey(config.UNSUBSCRIBE_SECRET);
    this.sms = new SmsChannel({
      providers: config.smsProviders,
      timeoutMs: config.SMS_TIMEOUT_MS,
      cooldownMs: config.SMS_PROVIDER_COOLDOWN_MS,
      statusCallbackUrl: config.SMS_STATUS_CALLBACK_URL,
      observer: {
        failover: (from, to, reason) => {
          metrics.failovers.inc({ from, to });
          logger.warn({ from, to, reason }, 'sms: provider failed, failing over');
        },
      },
    });
  }

  /** Nest may call init hooks twice in a hybrid app (HTTP + JetStream transport): once is enough. */
  onModuleInit(): Promise<void> {
    return (this.started ??= this.start());
  }

  private async start(): Promise<void> {
    await prepareSchema(this.store.pool, this.config.DB_SCHEMA, this.config.SCHEMA_WAIT_MS);
    await this.store.holdLiveness();
    this.loops.push(this.webLoop());
    this.loops.push(this.sendLoop(this.email, this.config.EMAIL_CONCURRENCY));
    this.loops.push(this.sendLoop(this.sms, this.config.SMS_CONCURRENCY));
    this.gaugeTimer = setInterval(() => void this.updateGauges(), 5_000);
    this.gaugeTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.gaugeTimer);
    for (const signal of Object.values(this.signals)) signal.notify();
    await Promise.allSettled(this.loops);
    await this.email.close();
    this.store.releaseLiveness();
  }

  /** Publishes inbox rows written by a planning transaction that has committed, and counts them. */
  announce(rows: readonly InboxRow[], eventOccurredAt: Date): void {
    if (rows.length === 0) return;
    this.web.announce(rows);
    this.metrics.deliveries.inc({ channel: 'web', status: 'sent' }, rows.length);
    const seconds = Math.max(0, Date.now() - eventOccurredAt.getTime()) / 1000;
    for (let i = 0; i < rows.length; i++) this.metrics.latency.observe({ channel: 'web' }, seconds);
  }

  /** New deliveries were planned: look now rather than at the next poll. */
  wake(...channels: ChannelName[]): void {
    for (const channel of channels.length ? channels : (['web', 'email', 'sms'] as const)) this.signals[channel].notify();
  }

  private async webLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const handled = await this.webBatch();
        failures = 0;
        if (handled < this.config.WEB_BATCH) await this.signals.web.wait(this.config.POLL_MS);
      } catch (error) {
        failures++;
        this.logger.error({ err: error }, 'web dispatch failed; retrying');
        await this.signals.web.wait(retryDelayMs(failures, this.config.RETRY_BASE_MS, 30_000));
      }
    }
  }

  /** One batch of due web deliveries: inbox rows and `sent` in one transaction, then the live announcements. */
  async webBatch(): Promise<number> {
    const batch = await this.store.transaction(async (tx) => {
      const client = tx.connection;
      const { rows } = await client.query<ClaimedDelivery>(
        `SELECT d.id, d.subscription_id, d.event_id, d.channel, d.customer_id, d.sku, d.kind, d.available, d.attempts, d.resumed,
                d.interrupted_claim_at, d.event_occurred_at,
                ${this.store.contextColumns}
         FROM ${this.store.s}.deliveries d ${this.store.contextJoins('d')}
         WHERE d.channel = 'web' AND d.status IN ('queued', 'failed') AND d.next_attempt_at <= now()
         ORDER BY d.next_attempt_at LIMIT $1
         FOR UPDATE OF d SKIP LOCKED`,
        [this.config.WEB_BATCH],
      );
      if (rows.length === 0) return null;
      const now = new Date();
      const deliver: WebDelivery[] = [];
      const cancel: { id: string; reason: string }[] = [];
      const hold: { id: string; until: Date }[] = [];
      for (const row of rows) {
        const contact = contactOf(row);
        const reason = cancellation(row, contact);
        if (reason) {
          cancel.push({ id: row.id, reason });
          continue;
        }
        const release = releaseTime(now, contact.timeZone, contact.quietHours);
        if (release > now) {
          hold.push({ id: row.id, until: release });
          continue;
        }
        deliver.push({
          deliveryId: row.id,
          customerId: row.customer_id,
          subscriptionId: row.subscription_id,
          sku: row.sku,
          kind: row.kind,
          locale: contact.locale,
          productName: row.product_name ?? row.sku,
          available: row.available,
          link: this.link(row.sku),
        });
      }
      const inserted = await this.web.insert(client, deliver);
      const inboxIdOf = new Map(inserted.map((r) => [r.delivery_id, r.id]));
      await this.store.markWebSent(
        tx,
        deliver.map((d) => d.deliveryId),
        deliver.map((d) => inboxIdOf.get(d.deliveryId) ?? null),
      );
      await this.store.markCancelled(
        cancel.map((c) => c.id),
        cancel.map((c) => c.reason),
        client,
      );
      await this.store.hold(
        hold.map((h) => h.id),
        hold.map((h) => h.until),
        client,
        false,
      );
      return { rows, inserted, inboxIdOf, delivered: deliver.length, cancelled: cancel.length, held: hold.length };
    });
    if (!batch) return 0;
    const { rows, inserted, inboxIdOf } = batch;
    this.web.announce(inserted);
    const sentAt = Date.now();
    for (const row of rows) if (inboxIdOf.has(row.id)) this.metrics.latency.observe({ channel: 'web' }, Math.max(0, sentAt - row.event_occurred_at.getTime()) / 1000);
    if (batch.delivered) this.metrics.deliveries.inc({ channel: 'web', status: 'sent' }, batch.delivered);
    if (batch.cancelled) this.metrics.deliveries.inc({ channel: 'web', status: 'cancelled' }, batch.cancelled);
    if (batch.held) this.metrics.deliveries.inc({ channel: 'web', status: 'held' }, batch.held);
    return rows.length;
  }

  private async sendLoop(channel: SendingChannel, concurrency: number): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const signal = this.signals[channel.name];
    let lastReclaim = 0;
    let failures = 0;
    while (!this.stopping) {
      try {
        if (Date.now() - lastReclaim >= 1_000) {
          lastReclaim = Date.now();
          const resumed = await this.store.reclaimStale(channel.name);
          if (resumed > 0) {
            this.metrics.resumed.inc({ channel: channel.name }, resumed);
            this.logger.warn({ channel: channel.name, resumed }, 'resuming sends interrupted by a stopped notifier (the provider may have them already)');
          }
        }
        const free = concurrency - inFlight.size;
        const rows = free > 0 ? await this.store.claim(channel.name, free) : [];
        failures = 0;
        for (const row of rows) {
          const sending: Promise<void> = this.deliver(channel, row).finally(() => {
            inFlight.delete(sending);
            signal.notify();
          });
          inFlight.add(sending);
        }
        if (rows.length === 0 || inFlight.size >= concurrency) await signal.wait(this.config.POLL_MS);
      } catch (error) {
        failures++;
        this.logger.error({ err: error, channel: channel.name }, 'claiming deliveries failed; retrying');
        await signal.wait(retryDelayMs(failures, this.config.RETRY_BASE_MS, 30_000));
      }
    }
    await Promise.allSettled(inFlight);
  }

  private async deliver(channel: SendingChannel, row: ClaimedDelivery): Promise<void> {
    try {
      const contact = contactOf(row);
      const reason = cancellation(row, contact);
      if (reason) {
        await this.store.markCancelled([row.id], [reason]);
        this.metrics.deliveries.inc({ channel: channel.name, status: 'cancelled' });
        return;
      }
      const now = new Date();
      const release = releaseTime(now, contact.timeZone, contact.quietHours);
      if (release > now) {
        await this.store.hold([row.id], [release]);
        this.metrics.deliveries.inc({ channel: channel.name, status: 'held' });
        return;
      }
      const recipient = recipientFor(channel.name, contact)!;
      const message = {
        deliveryId: row.id,
        customerId: row.customer_id,
        recipient,
        locale: contact.locale,
        vars: { kind: row.kind, productName: row.product_name ?? row.sku, sku: row.sku, available: row.available, link: this.link(row.sku) },
        resumed: row.resumed,
        attempt: row.attempts,
      };
      // The crash window: an interrupted SMS may be at the provider already. Ask before sending again.
      if (row.resumed && channel.name === 'sms' && row.interrupted_claim_at) {
        const found = await this.sms.findAccepted(message, row.interrupted_claim_at);
        if (found.status === 'found') {
          await this.store.markSent(row.id, found.provider, found.sid, recipient, `found at ${found.provider} (${found.sid}) after the interruption: not sent again`);
          this.metrics.deliveries.inc({ channel: channel.name, status: 'sent' });
          return;
        }
      }
      // The recipient's daily cap (ADR 0028): counted before the message leaves, never sent uncounted.
      if (!(await this.withinDailyCap(channel, row, recipient, contact))) return;
      const started = performance.now();
      let receipt: Awaited<ReturnType<SendingChannel['send']>>;
      try {
        receipt = await inSpan(`send ${channel.name}`, SpanKind.CLIENT, row.traceparent, { 'stockflow.delivery.id': row.id, 'stockflow.channel': channel.name, 'stockflow.attempt': row.attempts }, () => channel.send(message));
      } catch (error) {
        const failure = error instanceof SendError ? error : new SendError(String((error as Error)?.message ?? error), false);
        this.metrics.sendDuration.observe({ channel: channel.name, provider: failure.provider ?? 'none' }, (performance.now() - started) / 1000);
        const maxAttempts = channel.name === 'email' ? this.config.EMAIL_MAX_ATTEMPTS : this.config.SMS_MAX_ATTEMPTS;
        if (failure.permanent || row.attempts >= maxAttempts) {
          const why = failure.permanent ? `refused: ${failure.message}` : `gave up after ${row.attempts} attempts; last: ${failure.message}`;
          await this.store.markFailed(row.id, 'dead', why, failure.provider, null);
          this.metrics.deliveries.inc({ channel: channel.name, status: 'dead' });
          this.logger.warn({ deliveryId: row.id, channel: channel.name, reason: why }, 'delivery dead');
        } else {
          const delay = retryDelayMs(row.attempts, this.config.RETRY_BASE_MS, this.config.RETRY_MAX_MS, Math.random, failure.retryAfterMs);
          const next = releaseTime(new Date(Date.now() + delay), contact.timeZone, contact.quietHours);
          await this.store.markFailed(row.id, 'failed', failure.message, failure.provider, next);
          this.metrics.deliveries.inc({ channel: channel.name, status: 'failed' });
        }
        return;
      }
      this.metrics.sendDuration.observe({ channel: channel.name, provider: receipt.provider }, (performance.now() - started) / 1000);
      // Sent: a failure to record it must not look like a failed send (that would send it again).
      await this.untilRecorded(() => this.store.markSent(row.id, receipt.provider, receipt.providerMessageId, recipient));
      this.metrics.deliveries.inc({ channel: channel.name, status: 'sent' });
      this.metrics.latency.observe({ channel: channel.name }, Math.max(0, Date.now() - row.event_occurred_at.getTime()) / 1000);
    } catch (error) {
      // The outcome could not be recorded (database trouble): the lease makes the row due again later.
      this.logger.error({ err: error, deliveryId: row.id }, 'could not record a delivery outcome');
    }
  }

  /**
   * Counts the delivery on its recipient's counter for today. False when it is not to be sent now:
   * the cap was reached (the delivery ends `capped`, never retried), or the counter could not be
   * written (due again after a backoff — never sent uncounted). A delivery counted before (a retry,
   * a resumed send) is not counted again.
   */
  private async withinDailyCap(channel: SendingChannel, row: ClaimedDelivery, recipient: string, contact: Contact): Promise<boolean> {
    const cap = dailyCapOf(channel.name, this.config.dailyCaps);
    if (cap === null) return true;
    let admission: CapAdmission;
    try {
      admission = await this.admitToday(channel.name, row.id, recipient, cap);
    } catch (error) {
      this.logger.warn({ err: error, deliveryId: row.id, channel: channel.name }, 'could not count a delivery against its daily cap; not sent, retrying later');
      const delay = retryDelayMs(row.attempts, this.config.RETRY_BASE_MS, this.config.RETRY_MAX_MS);
      await this.store.retryUncounted(row.id, releaseTime(new Date(Date.now() + delay), contact.timeZone, contact.quietHours), 'the daily cap could not be counted; not sent, retrying');
      this.metrics.deliveries.inc({ channel: channel.name, status: 'failed' });
      return false;
    }
    if (admission.kind !== 'capped') return true;
    const who = channel.name === 'email' ? 'address' : 'number';
    await this.store.markCapped(row.id, cappedReason(channel.name, cap));
    this.metrics.deliveries.inc({ channel: channel.name, status: 'capped' });
    this.logger.warn({ deliveryId: row.id, channel: channel.name, cap }, `delivery capped: the ${who} reached its daily cap`);
    return false;
  }

  /**
   * Counts one message (a delivery or a confirmation code, by its id) to `recipient` on today's
   * counter of its channel (ADR 0028); throws when the counter cannot be written.
   */
  admitToday(channel: CappedChannel, messageId: string, recipient: string, cap: number = this.config.dailyCaps[channel]): Promise<CapAdmission> {
    return this.store.admit(messageId, channel, recipientCapHash(this.capKey, channel, recipient), cap);
  }

  /**
   * Retries recording an outcome through a database outage (ADR 0019): this process alone knows the
   * message left, and its own claims are never reclaimed while it lives. Gives up only when stopping;
   * the row is then resumed after a restart, as after a crash.
   */
  private async untilRecorded(record: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await record();
      } catch (error) {
        if (this.stopping) throw error;
        if (attempt === 1) this.logger.warn({ err: error }, 'could not record a sent delivery; retrying until the database answers');
        await new Promise((r) => setTimeout(r, retryDelayMs(attempt, this.config.RETRY_BASE_MS, 2_000)));
      }
    }
  }

  link(sku: string): string {
    return productLink(this.config.LINK_BASE_URL, sku);
  }

  private async updateGauges(): Promise<void> {
    if (Date.now() - this.lastPrune >= 3_600_000) {
      this.lastPrune = Date.now();
      // Yesterday's counters are kept (a day boundary is not an instant everywhere); older ones go.
      await this.store.pruneExpiredRows().catch(() => undefined);
    }
    try {
      const pending = await this.store.pendingByChannel();
      for (const [channel, n] of Object.entries(pending)) this.metrics.pending.set({ channel }, n);
    } catch {
      // next time
    }
  }
}
