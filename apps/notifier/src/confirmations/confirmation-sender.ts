import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { CapAdmission } from '@stockflow/notifications-context';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@stockflow/platform';
import type { Logger } from 'pino';
import { SendError, type SendingChannel } from '../channels/channel.js';
import { retryDelayMs } from '../delivery/backoff.js';
import { DeliveryStore } from '../delivery/delivery-store.js';
import { cappedReason, Dispatcher } from '../delivery/dispatcher.js';
import type { NotifierConfig } from '../notifier-config.js';

interface DueConfirmation {
  confirmation_id: string;
  customer_id: string;
  channel: 'email' | 'sms';
  address: string;
  code: string;
  locale: string;
  send_attempts: number;
}

/** How many confirmations one pass claims. */
const BATCH = 20;

/**
 * Sends contact confirmation codes (ADR 0028). The notifications service writes each code into
 * `contact_confirmations` in the transaction that records ContactConfirmationRequested; this loop claims
 * due rows (`FOR UPDATE SKIP LOCKED`, pushing their next attempt a lease ahead, so a notifier that dies
 * mid-send leaves them to be sent again after LEASE_MS), sends them on the dispatcher's email and SMS
 * channels, and then clears the code: once sent, it exists nowhere but in the message. A failure is
 * retried with the deliveries' backoff until the channel's attempts run out, then recorded as dead.
 */
@Injectable()
export class ConfirmationSender implements OnModuleInit, OnApplicationShutdown {
  private loop: Promise<void> | undefined;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly store: DeliveryStore,
    private readonly dispatcher: Dispatcher,
    @Inject(SERVICE_CONFIG) private readonly config: NotifierConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  /** After the dispatcher: its start prepares the schema this loop reads. */
  async onModuleInit(): Promise<void> {
    await this.dispatcher.onModuleInit();
    this.loop ??= this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.wakeUp?.();
    await this.loop;
  }

  /** One pass: claims and sends what is due; returns how many it claimed. */
  async sendDue(): Promise<number> {
    const s = this.store.s;
    const { rows } = await this.store.pool.query<DueConfirmation>(
      `UPDATE ${s}.contact_confirmations c
          SET send_attempts = c.send_attempts + 1, next_send_at = now() + make_interval(secs => $2::double precision / 1000)
        WHERE c.confirmation_id IN (
          SELECT confirmation_id FROM ${s}.contact_confirmations
           WHERE send_status = 'queued' AND next_send_at <= now() AND NOT finished AND expires_at > now() AND code IS NOT NULL
           ORDER BY next_send_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING c.confirmation_id, c.customer_id, c.channel, c.address, c.code, c.locale, c.send_attempts`,
      [BATCH, this.config.LEASE_MS],
    );
    await Promise.all(rows.map((row) => this.send(row)));
    return rows.length;
  }

  private async send(row: DueConfirmation): Promise<void> {
    const channel: SendingChannel = row.channel === 'email' ? this.dispatcher.email : this.dispatcher.sms;
    const s = this.store.s;
    // Confirmation codes count on the same daily counter as notifications (ADR 0028): a form that
    // sends a code to any number must not be a way to pump one.
    if (!(await this.withinDailyCap(row))) return;
    try {
      await channel.send({
        deliveryId: row.confirmation_id,
        customerId: row.customer_id,
        recipient: row.address,
        locale: row.locale,
        vars: { kind: 'contact-confirmation', code: row.code },
        resumed: row.send_attempts > 1,
        attempt: row.send_attempts,
      });
      await this.store.pool.query(`UPDATE ${s}.contact_confirmations SET send_status = 'sent', sent_at = now(), code = NULL, last_error = NULL WHERE confirmation_id = $1`, [
        row.confirmation_id,
      ]);
    } catch (error) {
      const failure = error instanceof SendError ? error : new SendError(String(error), false);
      const maxAttempts = row.channel === 'email' ? this.config.EMAIL_MAX_ATTEMPTS : this.config.SMS_MAX_ATTEMPTS;
      const dead = failure.permanent || row.send_attempts >= maxAttempts;
      const delay = retryDelayMs(row.send_attempts, this.config.RETRY_BASE_MS, this.config.RETRY_MAX_MS, Math.random, failure.retryAfterMs);
      await this.recordFailure(row, dead ? 'dead' : 'queued', failure.message, delay);
      this.logger.warn({ confirmationId: row.confirmation_id, channel: row.channel, attempt: row.send_attempts, dead, reason: failure.message }, 'contact confirmation: send failed');
    }
  }

  /**
   * Counts the code on its recipient's counter for today. False when it is not to be sent now: the
   * cap was reached (the confirmation ends `dead` with the reason and its code cleared; the customer
   * asks again another day), or the counter could not be written (the claim's lease brings it back).
   */
  private async withinDailyCap(row: DueConfirmation): Promise<boolean> {
    let admission: CapAdmission;
    try {
      admission = await this.dispatcher.admitToday(row.channel, row.confirmation_id, row.address);
    } catch (error) {
      this.logger.warn({ err: error, confirmationId: row.confirmation_id, channel: row.channel }, 'contact confirmation: could not count it against its daily cap; not sent, retrying later');
      return false;
    }
    if (admission.kind !== 'capped') return true;
    const reason = cappedReason(row.channel, this.config.dailyCaps[row.channel]);
    await this.recordFailure(row, 'dead', reason); // if this fails, the lease brings it back and it is capped again
    this.logger.warn({ confirmationId: row.confirmation_id, channel: row.channel }, 'contact confirmation: capped, not sent');
    return false;
  }

  /** Not sent: `queued` again after `delayMs`, or `dead` for good (its code cleared). Best effort: the claim's lease brings it back. */
  private async recordFailure(row: DueConfirmation, status: 'queued' | 'dead', reason: string, delayMs = 0): Promise<void> {
    await this.store.pool
      .query(
        `UPDATE ${this.store.s}.contact_confirmations
            SET send_status = $2, last_error = $3, next_send_at = now() + make_interval(secs => $4::double precision / 1000), code = CASE WHEN $2 = 'dead' THEN NULL ELSE code END
          WHERE confirmation_id = $1`,
        [row.confirmation_id, status, reason.slice(0, 500), delayMs],
      )
      .catch(() => undefined);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let claimed = 0;
      try {
        claimed = await this.sendDue();
        failures = 0;
      } catch (error) {
        failures++;
        if (failures === 1) this.logger.warn({ err: error }, 'contact confirmation: cannot read the queue; retrying');
      }
      if (claimed === BATCH) continue;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.timer = setTimeout(resolve, failures > 0 ? Math.min(5_000, this.config.POLL_MS * 2 ** failures) : this.config.POLL_MS);
      });
    }
  }
}
