/**
 * The core-NATS subject on which the notifier announces a new inbox row (after its commit), one per
 * customer: `[<ns>.]live.notifications.inbox.<token>`. Not `notifications.inbox.…`: the context's
 * JetStream stream captures `notifications.>`, and ADR 0003 lets only the relay write there.
 * The customer id becomes one subject token: as it is when it is subject-safe, else `~` and its
 * UTF-8 in base64url. (apps/notifier/src/channels/web-channel.ts builds the same subject.)
 */
export function liveInboxSubject(namespace: string | undefined, customerId: string): string {
  return `${liveInboxPrefix(namespace)}.${subjectToken(customerId)}`;
}

export function liveInboxWildcard(namespace: string | undefined): string {
  return `${liveInboxPrefix(namespace)}.*`;
}

function liveInboxPrefix(namespace: string | undefined): string {
  return namespace ? `${namespace}.live.notifications.inbox` : 'live.notifications.inbox';
}

const SAFE = /^[A-Za-z0-9_-]+$/;

export function subjectToken(customerId: string): string {
  return SAFE.test(customerId) ? customerId : `~${Buffer.from(customerId, 'utf8').toString('base64url')}`;
}

/** What the notifier publishes: the inbox row as the API shows it, plus its customer. */
export interface LiveInboxMessage {
  readonly id: number;
  readonly customerId: string;
  readonly sku: string;
  readonly kind: string;
  readonly title: string;
  readonly body: string;
  readonly link: string | null;
  readonly createdAt: string;
}
