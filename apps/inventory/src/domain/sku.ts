// The SKU aggregate as a pure decider: no NestJS, no pg, no NATS — only the event contracts' types
// and the kernel's Decider / DomainError. One stream per SKU, `sku-<SKU>`.
import type { inventory } from '@stockflow/contracts';
import { DomainError, type Decider } from '@stockflow/event-sourcing';
import { PersistentMap } from './persistent-map.js';

export type SkuEvent = inventory.SkuEvent;
export type SkuEventType = SkuEvent['type'];

/** What inventory remembers of each order that asked for this SKU: the answer it gave, for good. */
export type ReservationOutcome =
  | { readonly status: 'reserved'; readonly quantity: number }
  | { readonly status: 'rejected'; readonly requested: number; readonly available: number }
  | { readonly status: 'released'; readonly quantity: number }
  | { readonly status: 'committed'; readonly quantity: number };

export interface SkuState {
  /** False until SkuRegistered; a stream may exist before that (reservations rejected for an unknown SKU). */
  readonly registered: boolean;
  readonly sku: string;
  readonly name: string;
  readonly lowStockThreshold: number;
  readonly onHand: number;
  readonly reserved: number;
  /**
   * Every order's outcome by order id. Requests are answered once per order: a redelivered
   * ReservationRequested or ReservationReleaseRequested decides no new events. A persistent map, so
   * that folding a long history does not copy every earlier order's outcome at every event.
   */
  readonly reservations: PersistentMap<ReservationOutcome>;
}

export type RegisterSku = { readonly type: 'RegisterSku'; readonly sku: string; readonly name: string; readonly lowStockThreshold: number };
export type ReceiveStock = { readonly type: 'ReceiveStock'; readonly sku: string; readonly quantity: number };
export type AdjustStock = { readonly type: 'AdjustStock'; readonly sku: string; readonly delta: number; readonly reason: string };
export type ReserveStock = { readonly type: 'ReserveStock'; readonly sku: string; readonly orderId: string; readonly quantity: number };
export type ReleaseReservation = { readonly type: 'ReleaseReservation'; readonly sku: string; readonly orderId: string };
export type CommitReservation = { readonly type: 'CommitReservation'; readonly sku: string; readonly orderId: string };

export type SkuCommand = RegisterSku | ReceiveStock | AdjustStock | ReserveStock | ReleaseReservation | CommitReservation;

/** Error codes of the DomainErrors `decide` throws (problem+json `code`). */
export const SkuErrorCodes = {
  alreadyRegistered: 'sku-already-registered',
  notFound: 'sku-not-found',
  invalidQuantity: 'invalid-quantity',
  belowReserved: 'adjustment-below-reserved',
  stockLimit: 'stock-limit-exceeded',
  noReservation: 'reservation-not-held',
  releaseBeforeRequest: 'release-before-request',
} as const;

/** The stream of a SKU. */
export function skuStreamId(sku: string): string {
  return `sku-${sku}`;
}

export function available(state: Pick<SkuState, 'onHand' | 'reserved'>): number {
  return state.onHand - state.reserved;
}

export function initialSkuState(): SkuState {
  return { registered: false, sku: '', name: '', lowStockThreshold: 0, onHand: 0, reserved: 0, reservations: PersistentMap.empty() };
}

export function decideSku(command: SkuCommand, state: SkuState): SkuEvent[] {
  switch (command.type) {
    case 'RegisterSku': {
      if (state.registered) throw new DomainError('conflict', `SKU ${command.sku} is already registered`, SkuErrorCodes.alreadyRegistered);
      assertCount(command.lowStockThreshold, 'lowStockThreshold');
      return [{ type: 'SkuRegistered', data: { sku: command.sku, name: command.name, lowStockThreshold: command.lowStockThreshold } }];
    }
    case 'ReceiveStock': {
      requireRegistered(state, command.sku);
      assertQuantity(command.quantity, 'quantity');
      const onHand = state.onHand + command.quantity;
      assertWithinLimit(onHand);
      return [{ type: 'StockReceived', data: { sku: command.sku, quantity: command.quantity } }, ...stockEvents(command.sku, state, { onHand, reserved: state.reserved })];
    }
    case 'AdjustStock': {
      requireRegistered(state, command.sku);
      if (!Number.isSafeInteger(command.delta) || command.delta === 0) {
        throw new DomainError('rejected', 'delta must be a non-zero integer', SkuErrorCodes.invalidQuantity);
      }
      const onHand = state.onHand + command.delta;
      if (onHand < state.reserved) {
        throw new DomainError(
          'rejected',
          `adjusting by ${command.delta} would leave ${onHand} on hand, below the ${state.reserved} reserved; on-hand stock can drop by at most ${state.onHand - state.reserved}`,
          SkuErrorCodes.belowReserved,
        );
      }
      assertWithinLimit(onHand);
      return [
        { type: 'StockAdjusted', data: { sku: command.sku, delta: command.delta, reason: command.reason } },
        ...stockEvents(command.sku, state, { onHand, reserved: state.reserved }),
      ];
    }
    case 'ReserveStock': {
      // Any positive integer is a valid request (the contract bounds it no further); more than is
      // available is answered with a rejection, so the saga always gets an answer.
      if (!Number.isInteger(command.quantity) || command.quantity < 1) {
        throw new DomainError('rejected', 'quantity must be a positive integer', SkuErrorCodes.invalidQuantity);
      }
      if (state.reservations.has(command.orderId)) return []; // answered before: a redelivery
      const free = state.registered ? available(state) : 0;
      if (free < command.quantity) {
        return [{ type: 'StockReservationRejected', data: { sku: command.sku, orderId: command.orderId, requested: command.quantity, available: free } }];
      }
      return [
        { type: 'StockReserved', data: { sku: command.sku, orderId: command.orderId, quantity: command.quantity } },
        ...stockEvents(command.sku, state, { onHand: state.onHand, reserved: state.reserved + command.quantity }),
      ];
    }
    case 'ReleaseReservation': {
      const held = state.reservations.get(command.orderId);
      // The saga asks for a release only after it asked for the reservation, but with several
      // inventory replicas the request may still be in another's hands (ADR 0044): deciding
      // "nothing held" now would leak the reservation that request makes later. Not yet, then.
      if (!held) throw new DomainError('conflict', `the reservation request of order ${command.orderId} has not been answered yet`, SkuErrorCodes.releaseBeforeRequest);
      if (held.status !== 'reserved') return []; // nothing held: rejected, or already released/committed
      return [
        { type: 'ReservationReleased', data: { sku: command.sku, orderId: command.orderId, quantity: held.quantity } },
        ...stockEvents(command.sku, state, { onHand: state.onHand, reserved: state.reserved - held.quantity }),
      ];
    }
    case 'CommitReservation': {
      const held = state.reservations.get(command.orderId);
      if (held?.status === 'committed') return [];
      if (held?.status !== 'reserved') {
        throw new DomainError('conflict', `order ${command.orderId} holds no reservation of ${command.sku}`, SkuErrorCodes.noReservation);
      }
      return [
        { type: 'ReservationCommitted', data: { sku: command.sku, orderId: command.orderId, quantity: held.quantity } },
        ...stockEvents(command.sku, state, { onHand: state.onHand - held.quantity, reserved: state.reserved - held.quantity }),
      ];
    }
  }
}

export function evolveSku(state: SkuState, event: SkuEvent): SkuState {
  switch (event.type) {
    case 'SkuRegistered':
      return { ...state, registered: true, sku: event.data.sku, name: event.data.name, lowStockThreshold: event.data.lowStockThreshold };
    case 'StockReceived':
      return { ...state, onHand: state.onHand + event.data.quantity };
    case 'StockAdjusted':
      return { ...state, onHand: state.onHand + event.data.delta };
    case 'StockReserved':
      return {
        ...state,
        reserved: state.reserved + event.data.quantity,
        reservations: withOutcome(state, event.data.orderId, { status: 'reserved', quantity: event.data.quantity }),
      };
    case 'StockReservationRejected':
      return {
        ...state,
        reservations: withOutcome(state, event.data.orderId, { status: 'rejected', requested: event.data.requested, available: event.data.available }),
      };
    case 'ReservationReleased':
      return {
        ...state,
        reserved: state.reserved - event.data.quantity,
        reservations: withOutcome(state, event.data.orderId, { status: 'released', quantity: event.data.quantity }),
      };
    case 'ReservationCommitted':
      return {
        ...state,
        onHand: state.onHand - event.data.quantity,
        reserved: state.reserved - event.data.quantity,
        reservations: withOutcome(state, event.data.orderId, { status: 'committed', quantity: event.data.quantity }),
      };
    // Derived notifications: the figures they carry follow from the events above.
    case 'StockLevelChanged':
    case 'OutOfStock':
    case 'BackInStock':
    case 'LowStock':
      return state;
  }
}

export const skuDecider: Decider<SkuCommand, SkuEvent, SkuState> = {
  decide: decideSku,
  evolve: evolveSku,
  initialState: initialSkuState,
};

interface Levels {
  readonly onHand: number;
  readonly reserved: number;
}

/**
 * The notifications that follow a change of on-hand or reserved stock: StockLevelChanged always,
 * then at most one edge of `available`: OutOfStock (> 0 → 0), BackInStock (0 → > 0), or LowStock
 * (from above the threshold to at or below it, still > 0; never with a threshold of 0).
 */
export function stockEvents(sku: string, state: SkuState, after: Levels): SkuEvent[] {
  if (after.onHand === state.onHand && after.reserved === state.reserved) return [];
  const before = available(state);
  const now = available(after);
  const events: SkuEvent[] = [{ type: 'StockLevelChanged', data: { sku, onHand: after.onHand, reserved: after.reserved, available: now } }];
  if (before > 0 && now === 0) events.push({ type: 'OutOfStock', data: { sku } });
  else if (before === 0 && now > 0) events.push({ type: 'BackInStock', data: { sku, available: now } });
  else if (before > state.lowStockThreshold && now <= state.lowStockThreshold && now > 0) {
    events.push({ type: 'LowStock', data: { sku, available: now, threshold: state.lowStockThreshold } });
  }
  return events;
}

function withOutcome(state: SkuState, orderId: string, outcome: ReservationOutcome): PersistentMap<ReservationOutcome> {
  return state.reservations.set(orderId, outcome);
}

function requireRegistered(state: SkuState, sku: string): void {
  if (!state.registered) throw new DomainError('not-found', `SKU ${sku} is not registered`, SkuErrorCodes.notFound);
}

function assertQuantity(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new DomainError('rejected', `${field} must be a positive integer`, SkuErrorCodes.invalidQuantity);
}

function assertCount(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new DomainError('rejected', `${field} must be an integer of at least 0`, SkuErrorCodes.invalidQuantity);
}

function assertWithinLimit(onHand: number): void {
  if (!Number.isSafeInteger(onHand)) throw new DomainError('rejected', 'on-hand stock would exceed the largest safe integer', SkuErrorCodes.stockLimit);
}
