import type { carts } from '@stockflow/contracts';
import type { ProjectedEvent, Projection } from './projection.js';

export interface CartRow {
  readonly cartId: string;
  readonly customerId: string;
  readonly status: 'open' | 'checked-out';
  /** Lines sorted by SKU. */
  readonly lines: readonly { sku: string; quantity: number }[];
  readonly orderId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

type Of<T extends carts.CartEvent['type']> = (carts.CartEvent & { type: T })['data'];

function withLine(lines: CartRow['lines'], sku: string, quantity: number | null): CartRow['lines'] {
  const rest = lines.filter((l) => l.sku !== sku);
  if (quantity !== null) rest.push({ sku, quantity });
  return rest.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** Cart views: lines, status and the order a checkout became. */
export const cartProjection: Projection<CartRow> = {
  name: 'carts',
  sourceContext: 'carts',
  aggregate: 'cart',
  keyOf(event: ProjectedEvent): string | null {
    switch (event.type) {
      case 'CartCreated':
      case 'CartLineSet':
      case 'CartLineRemoved':
      case 'CartCheckedOut':
        return (event.data as { cartId: string }).cartId;
      default:
        return null;
    }
  },
  apply(current: CartRow | undefined, event: ProjectedEvent): CartRow | undefined {
    if (event.type === 'CartCreated') {
      const data = event.data as Of<'CartCreated'>;
      return { cartId: data.cartId, customerId: data.customerId, status: 'open', lines: [], orderId: null, createdAt: event.occurredAt, updatedAt: event.occurredAt };
    }
    if (!current) return undefined;
    switch (event.type) {
      case 'CartLineSet': {
        const data = event.data as Of<'CartLineSet'>;
        return { ...current, lines: withLine(current.lines, data.sku, data.quantity), updatedAt: event.occurredAt };
      }
      case 'CartLineRemoved': {
        const data = event.data as Of<'CartLineRemoved'>;
        return { ...current, lines: withLine(current.lines, data.sku, null), updatedAt: event.occurredAt };
      }
      case 'CartCheckedOut': {
        const data = event.data as Of<'CartCheckedOut'>;
        return { ...current, status: 'checked-out', orderId: data.orderId, updatedAt: event.occurredAt };
      }
      default:
        return current;
    }
  },
};
