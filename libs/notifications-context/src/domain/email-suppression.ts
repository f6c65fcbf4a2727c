// A hard bounce or a complaint about a customer's email address (ADR 0032): the address counts as
// unconfirmed from then on, so the notifier sends it nothing until its owner confirms it again.
import type { notificationCustomer } from '@stockflow/contracts';

type EmailSuppressed = notificationCustomer.CustomerEvent & { type: 'EmailSuppressed' };

/** What the mail provider reported, and of which message. */
export interface EmailSuppressionReport {
  readonly reason: 'bounce' | 'complaint';
  readonly provider: string;
  readonly detail: string;
  readonly messageId: string;
  /** The address the message went to. */
  readonly recipient: string;
}

/** The customer's email address now, and the address they confirmed (lower-case), if any. */
export interface CustomerEmail {
  readonly email: string | null;
  readonly confirmedEmail: string | null;
}

/**
 * Suppresses the customer's address when the report is about it: not when they use another address by
 * now, and not again when it is unconfirmed already (a repeated webhook records nothing).
 */
export function decideEmailSuppression(customerId: string, current: CustomerEmail, report: EmailSuppressionReport): EmailSuppressed[] {
  const email = current.email?.toLowerCase() ?? null;
  if (email === null || email !== report.recipient.trim().toLowerCase()) return [];
  if (current.confirmedEmail !== email) return [];
  return [{ type: 'EmailSuppressed', data: { customerId, reason: report.reason, provider: report.provider, detail: report.detail.slice(0, 300), messageId: report.messageId.slice(0, 200) } }];
}
