import type { orders } from '@stockflow/contracts';
import type { ProjectedEvent, Projection } from './projection.js';

export type OrderStatus = 'pending' | 'confirmed' | 'rejected' | 'cancelled';

export interface OrderSummaryRow {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly lines: readonly { sku: string; quantity: number }[];
  readonly totalQuantity: number;
  readonly cartId: string | null;
  readonly reason: string | null;
  readonly placedAt: string;
  readonly updatedAt: string;
}

type Of<T extends orders.OrderEvent['type']> = (orders.OrderEvent & { type: T })['data'];

/** Order summaries, listed per customer. */
export const customerOrdersProjection: Projection<OrderSummaryRow> = {
  name: 'customer_orders',
  sourceContext: 'orders',
  aggregate: 'order',
  keyOf(event: ProjectedEvent): string | null {
    switch (event.type) {
      case 'OrderPlaced':
      case 'OrderConfirmed':
      case 'OrderRejected':
      case 'OrderCancelled':
        return (event.data as { orderId: string }).orderId;
      default:
        return null;
    }
  },
  apply(current: OrderSummaryRow | undefined, event: ProjectedEvent): OrderSummaryRow | undefined {
    if (event.type === 'OrderPlaced') {
      const data = event.data as Of<'OrderPlaced'>;
      const lines = data.lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
      return {
        orderId: data.orderId,
        customerId: data.customerId,
        status: 'pending',
        lines,
        totalQuantity: lines.reduce((sum, l) => sum + l.quantity, 0),
        cartId: data.cartId,
        reason: null,
        placedAt: event.occurredAt,
        updatedAt: event.occurredAt,
      };
    }
    // A status change for an order never placed (impossible in one ordered stream) is ignored.
    if (!current) return undefined;
    switch (event.type) {
      case 'OrderConfirmed':
        return { ...current, status: 'confirmed', updatedAt: event.occurredAt };
      case 'OrderRejected':
        return { ...current, status: 'rejected', reason: (event.data as Of<'OrderRejected'>).reason, updatedAt: event.occurredAt };
      case 'OrderCancelled':
        return { ...current, status: 'cancelled', reason: (event.data as Of<'OrderCancelled'>).reason, updatedAt: event.occurredAt };
      default:
        return current;
    }
  },
};
