import { describe, expect, it } from '@jest/globals';
import { stockflowCatalog } from '@stockflow/contracts';
import {
  INSUFFICIENT_STOCK,
  RESERVATION_TIMED_OUT,
  orderFollowUp,
  orderSagaDecider,
  orderSagaStreamId,
  shortLinesOf,
  type OrderSagaCommand,
  type OrderSagaEvent,
  type OrderSagaState,
} from './order-saga.js';

const orderId = 'o1';
const deadline = '2030-01-01T00:00:30.000Z';
const lines = [
  { sku: 'A', quantity: 2 },
  { sku: 'B', quantity: 1 },
  { sku: 'C', quantity: 5 },
];

const started: OrderSagaEvent = { type: 'OrderSagaStarted', data: { orderId, lines, deadline } };
const requested = (sku: string, quantity: number): OrderSagaEvent => ({ type: 'ReservationRequested', data: { orderId, sku, quantity } });
const recorded = (sku: string, outcome: 'reserved' | 'rejected', requestedQty: number, available: number): OrderSagaEvent => ({
  type: 'LineReservationRecorded',
  data: { orderId, sku, outcome, requested: requestedQty, available },
});
const release = (sku: string): OrderSagaEvent => ({ type: 'ReservationReleaseRequested', data: { orderId, sku } });
const completed = (outcome: 'confirmed' | 'rejected' | 'cancelled' | 'timed-out'): OrderSagaEvent => ({ type: 'OrderSagaCompleted', data: { orderId, outcome } });

const start: OrderSagaCommand = { type: 'StartSaga', data: { orderId, lines, deadline } };
const reserved = (sku: string, quantity: number): OrderSagaCommand => ({
  type: 'RecordReservation',
  data: { orderId, sku, outcome: 'reserved', requested: quantity, available: quantity },
});
const refused = (sku: string, requestedQty: number, available: number): OrderSagaCommand => ({
  type: 'RecordReservation',
  data: { orderId, sku, outcome: 'rejected', requested: requestedQty, available },
});
const cancel: OrderSagaCommand = { type: 'CancelSaga', data: { orderId } };
const timeOut = (now: string): OrderSagaCommand => ({ type: 'TimeOutSaga', data: { orderId, now } });

const startedHistory = [started, requested('A', 2), requested('B', 1), requested('C', 5)];

function given(...events: OrderSagaEvent[]): OrderSagaState {
  return events.reduce(orderSagaDecider.evolve, orderSagaDecider.initialState());
}

/** Decides, and checks every event against its published contract. */
function when(state: OrderSagaState, command: OrderSagaCommand): OrderSagaEvent[] {
  const events = orderSagaDecider.decide(command, state);
  for (const event of events) stockflowCatalog.validate(event.type, stockflowCatalog.currentVersion(event.type), event.data);
  return events;
}

/** Runs commands one after the other, each decided on the state the previous ones produced. */
function run(state: OrderSagaState, ...commands: OrderSagaCommand[]): { events: OrderSagaEvent[]; state: OrderSagaState } {
  const events: OrderSagaEvent[] = [];
  for (const command of commands) {
    const decided = when(state, command);
    events.push(...decided);
    state = decided.reduce(orderSagaDecider.evolve, state);
  }
  return { events, state };
}

describe('Order saga decider', () => {
  it('names its stream ordersaga-<orderId>', () => {
    expect(orderSagaStreamId('o1')).toBe('ordersaga-o1');
  });

  describe('start', () => {
    it('starts once, with the deadline, and requests a reservation per line', () => {
      expect(when(given(), start)).toEqual(startedHistory);
      expect(given(...startedHistory)).toMatchObject({ status: 'awaiting', orderId, lines, deadline, answers: new Map(), outcome: null });
    });

    it('does not start again (an OrderPlaced delivered twice)', () => {
      expect(when(given(...startedHistory), start)).toEqual([]);
      expect(when(given(...startedHistory, recorded('A', 'reserved', 2, 2)), start)).toEqual([]);
      expect(when(given(...startedHistory, ...[release('A'), release('B'), release('C')], completed('cancelled')), start)).toEqual([]);
    });
  });

  describe('answers', () => {
    it('records an answer for a line not yet answered, and waits for the others', () => {
      expect(when(given(...startedHistory), reserved('A', 2))).toEqual([recorded('A', 'reserved', 2, 2)]);
      expect(when(given(...startedHistory), refused('B', 1, 0))).toEqual([recorded('B', 'rejected', 1, 0)]);
      expect(given(...startedHistory, recorded('A', 'reserved', 2, 2)).answers).toEqual(new Map([['A', { outcome: 'reserved', requested: 2, available: 2 }]]));
    });

    it('records each line once: a second answer for it changes nothing', () => {
      const state = given(...startedHistory, recorded('A', 'reserved', 2, 2));
      expect(when(state, reserved('A', 2))).toEqual([]);
      expect(when(state, refused('A', 2, 0))).toEqual([]);
    });

    it('confirms when every line is reserved, in whatever order the answers come', () => {
      const { events, state } = run(given(...startedHistory), reserved('C', 5), reserved('A', 2), reserved('B', 1));
      expect(events).toEqual([recorded('C', 'reserved', 5, 5), recorded('A', 'reserved', 2, 2), recorded('B', 'reserved', 1, 1), completed('confirmed')]);
      expect(state).toMatchObject({ status: 'completed', outcome: 'confirmed', releasesRequested: [] });
    });

    it('rejects when any line is short, releasing the reserved lines only', () => {
      const { events, state } = run(given(...startedHistory), reserved('A', 2), refused('B', 1, 0), reserved('C', 5));
      expect(events).toEqual([
        recorded('A', 'reserved', 2, 2),
        recorded('B', 'rejected', 1, 0),
        recorded('C', 'reserved', 5, 5),
        release('A'),
        release('C'),
        completed('rejected'),
      ]);
      expect(state).toMatchObject({ status: 'completed', outcome: 'rejected', releasesRequested: ['A', 'C'] });
      expect(shortLinesOf(state)).toEqual([{ sku: 'B', requested: 1, available: 0 }]);
    });

    it('waits for every answer even after a rejection, then releases nothing when nothing is reserved', () => {
      const first = run(given(...startedHistory), refused('A', 2, 1));
      expect(first.events).toEqual([recorded('A', 'rejected', 2, 1)]);
      expect(first.state.status).toBe('awaiting');
      const { events, state } = run(first.state, refused('B', 1, 0), refused('C', 5, 3));
      expect(events).toEqual([recorded('B', 'rejected', 1, 0), recorded('C', 'rejected', 5, 3), completed('rejected')]);
      expect(shortLinesOf(state)).toEqual([
        { sku: 'A', requested: 2, available: 1 },
        { sku: 'B', requested: 1, available: 0 },
        { sku: 'C', requested: 5, available: 3 },
      ]);
    });

    it('ignores answers for SKUs that are not on the order', () => {
      expect(when(given(...startedHistory), reserved('Z', 1))).toEqual([]);
    });

    it('ignores answers when there is no saga', () => {
      expect(when(given(), reserved('A', 2))).toEqual([]);
    });

    it('ignores answers after completion (the releases already cover them)', () => {
      const cancelled = given(...startedHistory, release('A'), release('B'), release('C'), completed('cancelled'));
      expect(when(cancelled, reserved('A', 2))).toEqual([]);
      const timedOut = given(...startedHistory, release('A'), release('B'), release('C'), completed('timed-out'));
      expect(when(timedOut, refused('B', 1, 0))).toEqual([]);
      const confirmed = run(given(...startedHistory), reserved('A', 2), reserved('B', 1), reserved('C', 5)).state;
      expect(when(confirmed, reserved('A', 2))).toEqual([]);
    });

    it('handles a one-line order', () => {
      const single = given({ type: 'OrderSagaStarted', data: { orderId, lines: [{ sku: 'A', quantity: 1 }], deadline } }, requested('A', 1));
      expect(when(single, reserved('A', 1))).toEqual([recorded('A', 'reserved', 1, 1), completed('confirmed')]);
      expect(when(single, refused('A', 1, 0))).toEqual([recorded('A', 'rejected', 1, 0), completed('rejected')]);
    });
  });

  describe('cancel', () => {
    it('releases every line, answered or not, and completes as cancelled', () => {
      const state = given(...startedHistory, recorded('A', 'reserved', 2, 2));
      expect(when(state, cancel)).toEqual([release('A'), release('B'), release('C'), completed('cancelled')]);
    });

    it('cancels after confirmation too, releasing every line', () => {
      const confirmed = run(given(...startedHistory), reserved('A', 2), reserved('B', 1), reserved('C', 5)).state;
      expect(when(confirmed, cancel)).toEqual([release('A'), release('B'), release('C'), completed('cancelled')]);
      const after = run(confirmed, cancel).state;
      expect(after).toMatchObject({ status: 'completed', outcome: 'cancelled' });
    });

    it('is a no-op when already cancelled, rejected or timed out, or when there is no saga', () => {
      const cancelled = run(given(...startedHistory), cancel).state;
      expect(when(cancelled, cancel)).toEqual([]);
      const rejected = run(given(...startedHistory), reserved('A', 2), refused('B', 1, 0), reserved('C', 5)).state;
      expect(when(rejected, cancel)).toEqual([]);
      const timedOut = run(given(...startedHistory), timeOut('2030-01-01T00:00:31.000Z')).state;
      expect(when(timedOut, cancel)).toEqual([]);
    });

    it('before the start (OrderCancelled handled while OrderPlaced is retried) completes without releases, and the start is then a no-op', () => {
      expect(when(given(), cancel)).toEqual([completed('cancelled')]);
      const tombstone = given(completed('cancelled'));
      expect(tombstone).toMatchObject({ status: 'completed', orderId, outcome: 'cancelled', lines: [] });
      expect(when(tombstone, start)).toEqual([]);
      expect(when(tombstone, cancel)).toEqual([]);
      expect(when(tombstone, reserved('A', 2))).toEqual([]);
      expect(when(tombstone, timeOut('2031-01-01T00:00:00.000Z'))).toEqual([]);
      expect(orderFollowUp(tombstone)).toBeNull();
    });
  });

  describe('timeout', () => {
    it('does nothing before the deadline', () => {
      expect(when(given(...startedHistory), timeOut('2030-01-01T00:00:29.999Z'))).toEqual([]);
    });

    it('releases every line and completes as timed out when answers are missing at the deadline', () => {
      const state = given(...startedHistory, recorded('A', 'reserved', 2, 2), recorded('B', 'rejected', 1, 0));
      expect(when(state, timeOut(deadline))).toEqual([release('A'), release('B'), release('C'), completed('timed-out')]);
      const after = run(state, timeOut('2030-01-01T00:01:00.000Z')).state;
      expect(after).toMatchObject({ status: 'completed', outcome: 'timed-out' });
      expect(shortLinesOf(after)).toEqual([{ sku: 'B', requested: 1, available: 0 }]);
    });

    it('is a no-op once completed, or without a saga', () => {
      const confirmed = run(given(...startedHistory), reserved('A', 2), reserved('B', 1), reserved('C', 5)).state;
      expect(when(confirmed, timeOut('2031-01-01T00:00:00.000Z'))).toEqual([]);
      const timedOut = run(given(...startedHistory), timeOut('2031-01-01T00:00:00.000Z')).state;
      expect(when(timedOut, timeOut('2031-01-01T00:00:00.000Z'))).toEqual([]);
      expect(when(given(), timeOut('2031-01-01T00:00:00.000Z'))).toEqual([]);
    });
  });

  describe('the order follow-up', () => {
    it('confirms the order after a confirmation', () => {
      const state = run(given(...startedHistory), reserved('A', 2), reserved('B', 1), reserved('C', 5)).state;
      expect(orderFollowUp(state)).toEqual({ type: 'ConfirmOrder', data: { orderId } });
    });

    it('rejects the order with the short lines after a rejection', () => {
      const state = run(given(...startedHistory), reserved('A', 2), refused('B', 1, 0), reserved('C', 5)).state;
      expect(orderFollowUp(state)).toEqual({
        type: 'RejectOrder',
        data: { orderId, reason: INSUFFICIENT_STOCK, shortLines: [{ sku: 'B', requested: 1, available: 0 }] },
      });
    });

    it('rejects the order as timed out after a timeout', () => {
      const state = run(given(...startedHistory), timeOut(deadline)).state;
      expect(orderFollowUp(state)).toEqual({ type: 'RejectOrder', data: { orderId, reason: RESERVATION_TIMED_OUT, shortLines: [] } });
    });

    it('needs nothing while awaiting, after a cancellation, or without a saga', () => {
      expect(orderFollowUp(given(...startedHistory))).toBeNull();
      expect(orderFollowUp(run(given(...startedHistory), cancel).state)).toBeNull();
      expect(orderFollowUp(given())).toBeNull();
    });
  });

  it('deciding again on the state a decision produced yields nothing (idempotent decisions)', () => {
    const commands = [start, reserved('A', 2), refused('B', 1, 0), reserved('C', 5), cancel, timeOut('2031-01-01T00:00:00.000Z')];
    let state = given();
    for (const command of commands) {
      state = run(state, command).state;
      expect(when(state, command)).toEqual([]);
    }
  });
});
