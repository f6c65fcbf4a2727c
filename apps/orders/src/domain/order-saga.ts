// The order saga (stream `ordersaga-<orderId>`): a pure, event-sourced process manager. It asks
// inventory for every line of an order, records inventory's answers once per line, and decides the
// outcome: confirmed, rejected (short lines), cancelled, or timed out. Every decision is idempotent:
// deciding again on the state that already holds it yields no events.
import type { orderSaga } from '@stockflow/contracts';
import type { Decider } from '@stockflow/event-sourcing';
import type { OrderCommand, OrderLine, ShortLine } from './order.js';

export type OrderSagaEvent = orderSaga.OrderSagaEvent;

export type SagaOutcome = 'confirmed' | 'rejected' | 'cancelled' | 'timed-out';
export type ReservationOutcome = 'reserved' | 'rejected';

export interface LineAnswer {
  readonly outcome: ReservationOutcome;
  readonly requested: number;
  readonly available: number;
}

export type OrderSagaCommand =
  /** OrderPlaced: ask inventory for every line, by `deadline` (ISO 8601). */
  | { readonly type: 'StartSaga'; readonly data: { readonly orderId: string; readonly lines: readonly OrderLine[]; readonly deadline: string } }
  /** StockReserved / StockReservationRejected for one line. */
  | {
      readonly type: 'RecordReservation';
      readonly data: { readonly orderId: string; readonly sku: string; readonly outcome: ReservationOutcome; readonly requested: number; readonly available: number };
    }
  /** OrderCancelled. */
  | { readonly type: 'CancelSaga'; readonly data: { readonly orderId: string } }
  /** The deadline sweeper: `now` is an ISO 8601 instant. */
  | { readonly type: 'TimeOutSaga'; readonly data: { readonly orderId: string; readonly now: string } };

export interface OrderSagaState {
  /** `awaiting` answers until every line is answered, the deadline passes, or the order is cancelled. */
  readonly status: 'none' | 'awaiting' | 'completed';
  readonly orderId: string | null;
  readonly lines: readonly OrderLine[];
  readonly deadline: string | null;
  /** Inventory's answer per SKU, recorded once. A Map: SKUs are chosen by users (`constructor` is one). */
  readonly answers: ReadonlyMap<string, LineAnswer>;
  /** SKUs whose release was requested (at most once each per completion). */
  readonly releasesRequested: readonly string[];
  /** The latest completion: `confirmed` may later become `cancelled`. */
  readonly outcome: SagaOutcome | null;
}

export const INSUFFICIENT_STOCK = 'insufficient stock';
export const RESERVATION_TIMED_OUT = 'reservation timed out';

export function orderSagaStreamId(orderId: string): string {
  return `ordersaga-${orderId}`;
}

const initialState = (): OrderSagaState => ({
  status: 'none',
  orderId: null,
  lines: [],
  deadline: null,
  answers: new Map(),
  releasesRequested: [],
  outcome: null,
});

function decide(command: OrderSagaCommand, state: OrderSagaState): OrderSagaEvent[] {
  switch (command.type) {
    case 'StartSaga': {
      if (state.status !== 'none') return [];
      const { orderId, deadline } = command.data;
      const lines = command.data.lines.map(({ sku, quantity }) => ({ sku, quantity }));
      return [
        { type: 'OrderSagaStarted', data: { orderId, lines, deadline } },
        ...lines.map((line): OrderSagaEvent => ({ type: 'ReservationRequested', data: { orderId, sku: line.sku, quantity: line.quantity } })),
      ];
    }
    case 'RecordReservation': {
      // Answers before the start (no saga) or after the completion are ignored: a completed saga
      // has already asked to release every line that may hold a reservation.
      if (state.status !== 'awaiting') return [];
      const { sku, outcome, requested, available } = command.data;
      if (!state.lines.some((line) => line.sku === sku) || state.answers.has(sku)) return [];
      const orderId = state.orderId!;
      const recorded: OrderSagaEvent = { type: 'LineReservationRecorded', data: { orderId, sku, outcome, requested, available } };
      const answers = withAnswer(state.answers, sku, { outcome, requested, available });
      if (!state.lines.every((line) => answers.has(line.sku))) return [recorded];
      if (state.lines.every((line) => answers.get(line.sku)!.outcome === 'reserved')) {
        return [recorded, completed(orderId, 'confirmed')];
      }
      const reserved = state.lines.filter((line) => answers.get(line.sku)!.outcome === 'reserved');
      return [recorded, ...releases(orderId, reserved), completed(orderId, 'rejected')];
    }
    case 'CancelSaga': {
      // The order was cancelled before its saga started (its OrderPlaced is still being retried):
      // nothing was requested, so nothing to release; completing now makes the late start a no-op.
      if (state.status === 'none') return [completed(command.data.orderId, 'cancelled')];
      if (state.status === 'completed' && state.outcome !== 'confirmed') return [];
      // Every line, answered or not: inventory releases nothing where it holds nothing, and handles
      // requests in order, so a reservation still on its way is released too.
      return [...releases(state.orderId!, state.lines), completed(state.orderId!, 'cancelled')];
    }
    case 'TimeOutSaga': {
      if (state.status !== 'awaiting') return [];
      if (Date.parse(command.data.now) < Date.parse(state.deadline!)) return [];
      return [...releases(state.orderId!, state.lines), completed(state.orderId!, 'timed-out')];
    }
  }
}

function evolve(state: OrderSagaState, event: OrderSagaEvent): OrderSagaState {
  switch (event.type) {
    case 'OrderSagaStarted':
      return { ...state, status: 'awaiting', orderId: event.data.orderId, lines: event.data.lines, deadline: event.data.deadline };
    case 'ReservationRequested':
      return state;
    case 'LineReservationRecorded': {
      const { sku, outcome, requested, available } = event.data;
      return { ...state, answers: withAnswer(state.answers, sku, { outcome, requested, available }) };
    }
    case 'ReservationReleaseRequested':
      return state.releasesRequested.includes(event.data.sku) ? state : { ...state, releasesRequested: [...state.releasesRequested, event.data.sku] };
    case 'OrderSagaCompleted':
      return { ...state, status: 'completed', orderId: state.orderId ?? event.data.orderId, outcome: event.data.outcome };
    default:
      return state;
  }
}

export const orderSagaDecider: Decider<OrderSagaCommand, OrderSagaEvent, OrderSagaState> = {
  decide,
  evolve,
  initialState,
};

/** The lines inventory could not reserve, as the order's rejection reports them. */
export function shortLinesOf(state: OrderSagaState): ShortLine[] {
  return state.lines.flatMap((line) => {
    const answer = state.answers.get(line.sku);
    return answer?.outcome === 'rejected' ? [{ sku: line.sku, requested: answer.requested, available: answer.available }] : [];
  });
}

/**
 * What the Order must become once the saga is complete: confirmed, or rejected with a reason. A
 * cancelled saga followed the order's own cancellation, so the order needs nothing. The Order's
 * decider makes these commands no-ops when the order is already past pending, so they can be sent
 * again after a crash.
 */
export function orderFollowUp(state: OrderSagaState): OrderCommand | null {
  if (state.status !== 'completed' || !state.orderId) return null;
  const orderId = state.orderId;
  switch (state.outcome) {
    case 'confirmed':
      return { type: 'ConfirmOrder', data: { orderId } };
    case 'rejected':
      return { type: 'RejectOrder', data: { orderId, reason: INSUFFICIENT_STOCK, shortLines: shortLinesOf(state) } };
    case 'timed-out':
      return { type: 'RejectOrder', data: { orderId, reason: RESERVATION_TIMED_OUT, shortLines: shortLinesOf(state) } };
    default:
      return null;
  }
}

/** A copy with one more answer (an order has at most MAX_ORDER_LINES lines: copying is cheap). */
function withAnswer(answers: ReadonlyMap<string, LineAnswer>, sku: string, answer: LineAnswer): ReadonlyMap<string, LineAnswer> {
  return new Map(answers).set(sku, answer);
}

function releases(orderId: string, lines: readonly OrderLine[]): OrderSagaEvent[] {
  return lines.map((line): OrderSagaEvent => ({ type: 'ReservationReleaseRequested', data: { orderId, sku: line.sku } }));
}

function completed(orderId: string, outcome: SagaOutcome): OrderSagaEvent {
  return { type: 'OrderSagaCompleted', data: { orderId, outcome } };
}
