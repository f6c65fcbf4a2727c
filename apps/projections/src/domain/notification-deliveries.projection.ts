import type { notificationDelivery } from '@stockflow/contracts';
import type { ProjectedEvent, Projection } from './projection.js';

export type DeliveryChannel = 'email' | 'sms' | 'web';

/** Notifications per channel: how many reached the customer, how many were given up. */
export interface ChannelDeliveriesRow {
  readonly channel: DeliveryChannel;
  readonly delivered: number;
  readonly failed: number;
  /** Accepted by the SMS provider, then reported undelivered or failed by it. */
  readonly undelivered: number;
  /** Stock change → accepted by the channel, of the last delivery. */
  readonly lastLatencyMs: number | null;
  readonly updatedAt: string;
}

type Of<T extends notificationDelivery.DeliveryEvent['type']> = (notificationDelivery.DeliveryEvent & { type: T })['data'];

/**
 * Counts, so applying an event twice would count it twice: the engine never does (it skips what is
 * at or below the checkpoint it commits with the rows), and each delivery has one outcome event.
 */
export const notificationDeliveriesProjection: Projection<ChannelDeliveriesRow> = {
  name: 'notification_deliveries',
  sourceContext: 'notifications',
  aggregate: 'delivery',
  keyOf(event: ProjectedEvent): string | null {
    if (event.type !== 'NotificationDelivered' && event.type !== 'NotificationFailed' && event.type !== 'SmsDeliveryReported') return null;
    if (event.type === 'SmsDeliveryReported') return 'sms';
    return (event.data as { channel: DeliveryChannel }).channel;
  },
  apply(current: ChannelDeliveriesRow | undefined, event: ProjectedEvent): ChannelDeliveriesRow | undefined {
    const channel = event.type === 'SmsDeliveryReported' ? 'sms' : (event.data as { channel: DeliveryChannel }).channel;
    const base = current ?? { channel, delivered: 0, failed: 0, undelivered: 0, lastLatencyMs: null, updatedAt: event.occurredAt };
    if (event.type === 'NotificationDelivered') {
      const data = event.data as Of<'NotificationDelivered'>;
      return { ...base, delivered: base.delivered + 1, lastLatencyMs: data.latencyMs, updatedAt: event.occurredAt };
    }
    if (event.type === 'NotificationFailed') return { ...base, failed: base.failed + 1, updatedAt: event.occurredAt };
    if (event.type === 'SmsDeliveryReported') {
      const data = event.data as Of<'SmsDeliveryReported'>;
      return data.status === 'delivered' ? current : { ...base, undelivered: base.undelivered + 1, updatedAt: event.occurredAt };
    }
    return current;
  },
};
