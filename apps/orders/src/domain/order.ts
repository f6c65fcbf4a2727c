// The Order aggregate (stream `order-<orderId>`) as a pure decider: no I/O, no framework.
import type { orders } from '@stockflow/contracts';
import { DomainError, type Decider } from '@stockflow/event-sourcing';

export type OrderEvent = orders.OrderEvent;

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
}

export interface ShortLine {
  readonly sku: string;
  readonly requested: number;
  readonly available: number;
}

export type OrderStatus = 'pending' | 'confirmed' | 'rejected' | 'cancelled';

export const MAX_ORDER_LINES = 100;

export type OrderCommand =
  | { readonly type: 'PlaceOrder'; readonly data: { readonly orderId: string; readonly customerId: string; readonly lines: readonly OrderLine[]; readonly cartId: string | null } }
  | { readonly type: 'ConfirmOrder'; readonly data: { readonly orderId: string } }
  | { readonly type: 'RejectOrder'; readonly data: { readonly orderId: string; readonly reason: string; readonly shortLines: readonly ShortLine[] } }
  | { readonly type: 'CancelOrder'; readonly data: { readonly orderId: string; readonly reason: string } };

export interface PlacedOrder {
  readonly status: OrderStatus;
  readonly orderId: string;
  readonly customerId: string;
  readonly lines: readonly OrderLine[];
  readonly cartId: string | null;
  /** Why the order was rejected or cancelled; null while pending or confirmed. */
  readonly reason: string | null;
  readonly shortLines: readonly ShortLine[];
}

export type OrderState = { readonly status: 'none' } | PlacedOrder;

export function orderStreamId(orderId: string): string {
  return `order-${orderId}`;
}

export function isPlaced(state: OrderState): state is PlacedOrder {
  return state.status !== 'none';
}

function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  switch (command.type) {
    case 'PlaceOrder': {
      // A cart checkout may be delivered twice: placing an order that exists changes nothing.
      if (isPlaced(state)) return [];
      const { orderId, customerId, lines, cartId } = command.data;
      assertPlaceable(customerId, lines);
      return [{ type: 'OrderPlaced', data: { orderId, customerId, lines: lines.map(({ sku, quantity }) => ({ sku, quantity })), cartId } }];
    }
    case 'ConfirmOrder': {
      const order = existing(state, command.data.orderId);
      return order.status === 'pending' ? [{ type: 'OrderConfirmed', data: { orderId: order.orderId } }] : [];
    }
    case 'RejectOrder': {
      const order = existing(state, command.data.orderId);
      if (order.status !== 'pending') return [];
      const { reason, shortLines } = command.data;
      if (reason.length === 0) throw new DomainError('rejected', 'a rejection needs a reason', 'reason-required');
      return [{ type: 'OrderRejected', data: { orderId: order.orderId, reason, shortLines: shortLines.map(({ sku, requested, available }) => ({ sku, requested, available })) } }];
    }
    case 'CancelOrder': {
      const order = existing(state, command.data.orderId);
      if (order.status === 'pending' || order.status === 'confirmed') {
        return [{ type: 'OrderCancelled', data: { orderId: order.orderId, reason: command.data.reason } }];
      }
      throw new DomainError('conflict', `order ${order.orderId} is ${order.status} and can no longer be cancelled`, 'order-not-cancellable');
    }
  }
}

function evolve(state: OrderState, event: OrderEvent): OrderState {
  switch (event.type) {
    case 'OrderPlaced':
      return {
        status: 'pending',
        orderId: event.data.orderId,
        customerId: event.data.customerId,
        lines: event.data.lines,
        cartId: event.data.cartId,
        reason: null,
        shortLines: [],
      };
    case 'OrderConfirmed':
      return isPlaced(state) ? { ...state, status: 'confirmed' } : state;
    case 'OrderRejected':
      return isPlaced(state) ? { ...state, status: 'rejected', reason: event.data.reason, shortLines: event.data.shortLines } : state;
    case 'OrderCancelled':
      return isPlaced(state) ? { ...state, status: 'cancelled', reason: event.data.reason } : state;
    default:
      return state;
  }
}

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'none' }),
};

function existing(state: OrderState, orderId: string): PlacedOrder {
  if (!isPlaced(state)) throw new DomainError('not-found', `order ${orderId} does not exist`, 'order-not-found');
  return state;
}

/** Business rules of a new order, whichever way it arrives (REST or a cart checkout). */
function assertPlaceable(customerId: string, lines: readonly OrderLine[]): void {
  if (customerId.length === 0) throw new DomainError('rejected', 'an order needs a customer', 'customer-required');
  if (lines.length === 0) throw new DomainError('rejected', 'an order needs at least one line', 'order-empty');
  if (lines.length > MAX_ORDER_LINES) throw new DomainError('rejected', `an order has at most ${MAX_ORDER_LINES} lines`, 'too-many-lines');
  const seen = new Set<string>();
  for (const { sku, quantity } of lines) {
    if (!Number.isSafeInteger(quantity) || quantity < 1) {
      throw new DomainError('rejected', `line ${sku}: quantity must be a positive integer`, 'invalid-quantity');
    }
    if (seen.has(sku)) throw new DomainError('rejected', `SKU ${sku} appears on more than one line`, 'duplicate-sku');
    seen.add(sku);
  }
}
