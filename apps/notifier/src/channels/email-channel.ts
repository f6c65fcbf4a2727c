import { createTransport } from 'nodemailer';
import type { SendingChannel, OutgoingMessage, SendReceipt } from './channel.js';
import { SendError } from './channel.js';
import { renderEmail } from '../templates/templates.js';
import { unsubscribeUrl } from './unsubscribe-link.js';

export interface EmailChannelOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly poolSize: number;
  readonly from: string;
  readonly unsubscribeBaseUrl: string;
  readonly unsubscribeSecret: string;
}

/**
 * Email over SMTP (nodemailer, pooled connections). Every message has a Message-ID derived from the
 * delivery id — a resend after a crash carries the same one, so mail systems and clients see one
 * message — and the one-click unsubscribe headers (RFC 2369, RFC 8058).
 */
export class EmailChannel implements SendingChannel {
  readonly name = 'email' as const;
  private readonly transport;

  constructor(private readonly options: EmailChannelOptions) {
    this.transport = createTransport({
      pool: true,
      host: options.host,
      port: options.port,
      secure: options.secure,
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

/** 5xx replies are permanent (the server refuses this mail); 4xx, timeouts and refused connections are not. */
export function classifySmtpError(error: unknown): SendError {
  const { responseCode, code, message } = error as { responseCode?: number; code?: string; message?: string };
  const text = `${code ?? 'SMTP'}${responseCode ? ` ${responseCode}` : ''}: ${(message ?? String(error)).slice(0, 300)}`;
  return new SendError(text, typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600, 'smtp');
}
