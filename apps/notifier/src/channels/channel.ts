import type { ChannelName } from '@stockflow/notifications-context';
import type { MessageVars } from '../templates/templates.js';

export type { ChannelName };

/** A delivery as the dispatcher hands it to an email or SMS channel. */
export interface OutgoingMessage {
  readonly deliveryId: string;
  readonly customerId: string;
  readonly recipient: string;
  readonly locale: string;
  readonly vars: MessageVars;
  /** True when an earlier attempt was interrupted after the send began: the provider may have it. */
  readonly resumed: boolean;
  readonly attempt: number;
}

export interface SendReceipt {
  readonly provider: string;
  readonly providerMessageId: string | null;
}

/**
 * Why a send failed. `permanent`: trying again cannot help (a 5xx SMTP answer for the mailbox, an
 * invalid number) → dead at once. Otherwise it is retried with backoff until the attempts run out.
 */
export class SendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly provider: string | null = null,
    /** The provider asked to wait this long (Retry-After). */
    readonly retryAfterMs = 0,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

/** The port every sending channel implements. */
export interface SendingChannel {
  readonly name: 'email' | 'sms';
  send(message: OutgoingMessage): Promise<SendReceipt>;
  close(): Promise<void>;
}
