import { stockflowCatalog, type notificationDelivery } from '@stockflow/contracts';
import type { EventToAppend } from '@stockflow/event-sourcing';
import { randomUUID } from 'node:crypto';
import type { ChannelName } from '../channels/channel.js';
import type { NotificationKind } from '../templates/templates.js';

/** A delivery row as the statements that end it return it. */
export interface EndedDeliveryRow {
  id: string;
  subscription_id: string;
  customer_id: string;
  sku: string;
  channel: ChannelName;
  kind: NotificationKind;
  event_id: string;
  attempts: number;
  event_occurred_at: Date;
  status: string;
  provider: string | null;
  last_error: string | null;
}

/** The columns an ending statement returns for `EndedDeliveryRow` (alias `d`). */
export const ENDED_DELIVERY_COLUMNS =
  'd.id, d.subscription_id, d.customer_id, d.sku, d.channel, d.kind, d.event_id, d.attempts, d.event_occurred_at, d.status, d.provider, d.last_error';

/**
 * The event that tells everyone else how a delivery ended: NotificationDelivered for `sent`,
 * NotificationFailed for `dead`, nothing for outcomes that are not final. Caused by the stock
 * event it notified (the delivery row keeps no correlation of its own, so that event's id is it).
 */
export function deliveryOutcomeEvent(row: EndedDeliveryRow, now: number): { streamId: string; event: EventToAppend } | null {
  const common = {
    deliveryId: row.id,
    subscriptionId: row.subscription_id,
    customerId: row.customer_id,
    sku: row.sku,
    channel: row.channel,
    kind: row.kind,
    stockEventId: row.event_id,
    attempts: Math.max(1, row.attempts),
  };
  let data: notificationDelivery.DeliveryEvent['data'];
  let type: notificationDelivery.DeliveryEvent['type'];
  if (row.status === 'sent') {
    type = 'NotificationDelivered';
    data = { ...common, provider: row.provider ?? 'unknown', latencyMs: Math.max(0, Math.round(now - row.event_occurred_at.getTime())) };
  } else if (row.status === 'dead') {
    type = 'NotificationFailed';
    data = { ...common, reason: (row.last_error ?? 'unknown').slice(0, 500) || 'unknown' };
  } else {
    return null;
  }
  return {
    streamId: `delivery-${row.id}`,
    event: {
      eventId: randomUUID(),
      type,
      schemaVersion: stockflowCatalog.currentVersion(type),
      data,
      correlationId: row.event_id,
      causationId: row.event_id,
      traceparent: null,
    },
  };
}
