import { createTransport } from 'nodemailer';
import type { SendingChannel, OutgoingMessage, SendReceipt } from './channel.js';
import { maskAddresses } from '@stockflow/notifications-context';
import { SendError } from './channel.js';
import { renderEmail } from '../templates/templates.js';
import { smtpConnectionOptions, type SmtpSettings } from './smtp-settings.js';
import { unsubscribeUrl } from './unsubscribe-link.js';

export interface EmailChannelOptions {
  readonly smtp: SmtpSettings;
  readonly poolSize: number;
  readonly from: string;
  readonly unsubscribeBaseUrl: string;
  readonly unsubscribeSecret: string;
}

/**
 * Email over SMTP (nodemailer, pooled connections; TLS and AUTH as `SmtpSettings` say). Every message has a Message-ID derived from the
 * delivery id — a resend after a crash carries the same one, so mail systems and clients see one
 * message — and the one-click unsubscribe headers (RFC 2369, RFC 8058).
 */
export class EmailChannel implements SendingChannel {
  readonly name = 'email' as const;
  private readonly transport;

  constructor(private readonly options: EmailChannelOptions) {
    this.transport = createTransport({
      pool: true,
      ...smtpConnectionOptions(options.smtp),
      maxConnections: options.poolSize,
      maxMessages: Infinity,
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 15_000,
    });
  }

  async send(message: OutgoingMessage): Promise<SendReceipt> {
    // A confirmation code is transactional mail: no list to unsubscribe from.
    const confirmation = message.vars.kind === 'contact-confirmation';
    const unsubscribe = unsubscribeUrl(this.options.unsubscribeBaseUrl, message.customerId, message.recipient, this.options.unsubscribeSecret);
    const content = renderEmail(message.locale, message.vars, unsubscribe);
    const messageId = emailMessageId(message.deliveryId);
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: message.recipient,
        subject: content.subject,
        text: content.text,
        html: content.html,
        messageId,
        headers: confirmation
          ? { 'X-Stockflow-Confirmation': message.deliveryId }
          : {
              'List-Unsubscribe': `<${unsubscribe}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
              'X-Stockflow-Delivery': message.deliveryId,
            },
      });
      return { provider: 'smtp', providerMessageId: messageId };
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/** The Message-ID of a delivery: the same on every attempt. */
export function emailMessageId(deliveryId: string): string {
  return `<${deliveryId}@notifier.stockflow>`;
}

/**
 * Whether trying again can help. A 5xx answer about the message (MAIL FROM, RCPT TO, DATA: the server
 * refuses this mail or mailbox) is permanent. Everything about the connection is not, whatever its
 * code: a refused login (535), a certificate that does not verify, a timeout, a refused connection,
 * 4xx; an operator can mend those, and the delivery is retried with backoff until its attempts run out.
 * The reason goes to the deliveries view and the log, so e-mail addresses in it are masked.
 */
export function classifySmtpError(error: unknown): SendError {
  const { responseCode, code, command, message } = error as { responseCode?: number; code?: string; command?: string; message?: string };
  const text = maskAddresses(`${code ?? 'SMTP'}${responseCode ? ` ${responseCode}` : ''}: ${(message ?? String(error)).slice(0, 300)}`);
  const aboutTheMessage = code === 'EENVELOPE' || code === 'EMESSAGE' || /^(MAIL FROM|RCPT TO|DATA)/i.test(command ?? '');
  const permanent = aboutTheMessage && typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
  return new SendError(text, permanent, 'smtp');
}
