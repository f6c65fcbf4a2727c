import { describe, expect, it } from '@jest/globals';
import { stockflowCatalog } from '@stockflow/contracts';
import { DomainError } from '@stockflow/event-sourcing';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  available,
  decideSku,
  evolveSku,
  initialSkuState,
  skuDecider,
  skuStreamId,
  SkuErrorCodes,
  type SkuCommand,
  type SkuEvent,
  type SkuState,
} from './sku.js';

const SKU = 'TSHIRT-RED-M';

const registered = (lowStockThreshold = 0): SkuEvent => ({ type: 'SkuRegistered', data: { sku: SKU, name: 'Red T-shirt, M', lowStockThreshold } });
const received = (quantity: number): SkuEvent => ({ type: 'StockReceived', data: { sku: SKU, quantity } });
const adjusted = (delta: number): SkuEvent => ({ type: 'StockAdjusted', data: { sku: SKU, delta, reason: 'count' } });
const reservedFor = (orderId: string, quantity: number): SkuEvent => ({ type: 'StockReserved', data: { sku: SKU, orderId, quantity } });
const rejectedFor = (orderId: string, requested: number, free: number): SkuEvent => ({
  type: 'StockReservationRejected',
  data: { sku: SKU, orderId, requested, available: free },
});
const releasedFor = (orderId: string, quantity: number): SkuEvent => ({ type: 'ReservationReleased', data: { sku: SKU, orderId, quantity } });
const level = (onHand: number, reserved: number): SkuEvent => ({ type: 'StockLevelChanged', data: { sku: SKU, onHand, reserved, available: onHand - reserved } });

const given = (...events: SkuEvent[]): SkuState => events.reduce(evolveSku, initialSkuState());

const receive = (quantity: number): SkuCommand => ({ type: 'ReceiveStock', sku: SKU, quantity });
const adjust = (delta: number, reason = 'cycle count'): SkuCommand => ({ type: 'AdjustStock', sku: SKU, delta, reason });
const reserve = (orderId: string, quantity: number): SkuCommand => ({ type: 'ReserveStock', sku: SKU, orderId, quantity });
const release = (orderId: string): SkuCommand => ({ type: 'ReleaseReservation', sku: SKU, orderId });
const commit = (orderId: string): SkuCommand => ({ type: 'CommitReservation', sku: SKU, orderId });

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError');
}

/** Every event decide produces must satisfy its published contract. */
function expectValid(events: readonly SkuEvent[]): void {
  for (const event of events) expect(() => stockflowCatalog.validate(event.type, stockflowCatalog.currentVersion(event.type), event.data)).not.toThrow();
}

function types(events: readonly SkuEvent[]): string[] {
  return events.map((e) => e.type);
}

describe('SKU decider', () => {
  it('is pure: it imports only the contracts (types), the event-sourcing kernel and its own persistent map', () => {
    const source = readFileSync(fileURLToPath(new URL('./sku.ts', import.meta.url)), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['./persistent-map.js', '@stockflow/contracts', '@stockflow/event-sourcing']);
    const helper = readFileSync(fileURLToPath(new URL('./persistent-map.ts', import.meta.url)), 'utf8');
    expect([...helper.matchAll(/from '([^']+)'/g)]).toEqual([]);
    expect(source).toMatch(/import type \{ inventory \} from '@stockflow\/contracts'/);
  });

  it('exposes the Decider shape and the stream id', () => {
    expect(skuDecider.initialState()).toEqual(initialSkuState());
    expect(skuStreamId('AB-1')).toBe('sku-AB-1');
  });

  describe('RegisterSku', () => {
    it('registers a SKU with no stock', () => {
      const events = decideSku({ type: 'RegisterSku', sku: SKU, name: 'Red T-shirt, M', lowStockThreshold: 5 }, initialSkuState());
      expect(events).toEqual([{ type: 'SkuRegistered', data: { sku: SKU, name: 'Red T-shirt, M', lowStockThreshold: 5 } }]);
      expectValid(events);
      const state = events.reduce(evolveSku, initialSkuState());
      expect(state).toMatchObject({ registered: true, sku: SKU, name: 'Red T-shirt, M', lowStockThreshold: 5, onHand: 0, reserved: 0 });
    });

    it('refuses a second registration as a conflict', () => {
      const error = domainError(() => decideSku({ type: 'RegisterSku', sku: SKU, name: 'again', lowStockThreshold: 0 }, given(registered())));
      expect(error.kind).toBe('conflict');
      expect(error.code).toBe(SkuErrorCodes.alreadyRegistered);
    });

    it('may follow reservations rejected while the SKU was unknown', () => {
      const state = given(rejectedFor('o1', 1, 0));
      expect(types(decideSku({ type: 'RegisterSku', sku: SKU, name: 'late', lowStockThreshold: 0 }, state))).toEqual(['SkuRegistered']);
    });

    it('rejects a negative or fractional threshold', () => {
      for (const lowStockThreshold of [-1, 0.5, Number.NaN]) {
        expect(domainError(() => decideSku({ type: 'RegisterSku', sku: SKU, name: 'x', lowStockThreshold }, initialSkuState())).kind).toBe('rejected');
      }
    });
  });

  describe('ReceiveStock', () => {
    it('needs a registered SKU', () => {
      const error = domainError(() => decideSku(receive(1), initialSkuState()));
      expect(error.kind).toBe('not-found');
      expect(error.code).toBe(SkuErrorCodes.notFound);
    });

    it('emits StockLevelChanged and BackInStock on the 0 → > 0 edge', () => {
      const events = decideSku(receive(10), given(registered()));
      expect(events).toEqual([received(10), level(10, 0), { type: 'BackInStock', data: { sku: SKU, available: 10 } }]);
      expectValid(events);
    });

    it('emits no BackInStock for a receipt while in stock', () => {
      expect(decideSku(receive(5), given(registered(), received(10)))).toEqual([received(5), level(15, 0)]);
    });

    it('emits BackInStock when everything on hand was reserved and more arrives', () => {
      const state = given(registered(), received(3), reservedFor('o1', 3));
      expect(types(decideSku(receive(1), state))).toEqual(['StockReceived', 'StockLevelChanged', 'BackInStock']);
    });

    it('rejects zero, negative, fractional and unsafe quantities', () => {
      for (const quantity of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
        const error = domainError(() => decideSku(receive(quantity), given(registered())));
        expect(error.kind).toBe('rejected');
        expect(error.code).toBe(SkuErrorCodes.invalidQuantity);
      }
    });

    it('refuses to grow on-hand stock past the largest safe integer', () => {
      const error = domainError(() => decideSku(receive(10), given(registered(), received(Number.MAX_SAFE_INTEGER - 5))));
      expect(error.code).toBe(SkuErrorCodes.stockLimit);
    });
  });

  describe('AdjustStock', () => {
    it('corrects on-hand stock both ways', () => {
      const state = given(registered(), received(10));
      expect(decideSku(adjust(-4), state)).toEqual([{ type: 'StockAdjusted', data: { sku: SKU, delta: -4, reason: 'cycle count' } }, level(6, 0)]);
      expect(decideSku(adjust(4), state)).toEqual([{ type: 'StockAdjusted', data: { sku: SKU, delta: 4, reason: 'cycle count' } }, level(14, 0)]);
    });

    it('never goes below what is reserved', () => {
      const state = given(registered(), received(10), reservedFor('o1', 7));
      const error = domainError(() => decideSku(adjust(-4), state));
      expect(error.kind).toBe('rejected');
      expect(error.code).toBe(SkuErrorCodes.belowReserved);
      expect(types(decideSku(adjust(-3), state))).toEqual(['StockAdjusted', 'StockLevelChanged', 'OutOfStock']);
    });

    it('never goes below zero', () => {
      expect(domainError(() => decideSku(adjust(-1), given(registered()))).code).toBe(SkuErrorCodes.belowReserved);
    });

    it('rejects a zero or fractional delta and needs a registered SKU', () => {
      expect(domainError(() => decideSku(adjust(0), given(registered(), received(1)))).code).toBe(SkuErrorCodes.invalidQuantity);
      expect(domainError(() => decideSku(adjust(0.5), given(registered(), received(1)))).code).toBe(SkuErrorCodes.invalidQuantity);
      expect(domainError(() => decideSku(adjust(1), initialSkuState())).kind).toBe('not-found');
    });

    it('emits BackInStock when a correction finds stock again', () => {
      const events = decideSku(adjust(2, 'found in the back'), given(registered(), received(1), adjusted(-1)));
      expect(types(events)).toEqual(['StockAdjusted', 'StockLevelChanged', 'BackInStock']);
      expectValid(events);
    });
  });

  describe('ReserveStock', () => {
    it('reserves what is available', () => {
      const events = decideSku(reserve('o1', 4), given(registered(), received(10)));
      expect(events).toEqual([reservedFor('o1', 4), level(10, 4)]);
      expectValid(events);
    });

    it('emits OutOfStock when the reservation takes the last units', () => {
      const events = decideSku(reserve('o1', 10), given(registered(), received(10)));
      expect(events).toEqual([reservedFor('o1', 10), level(10, 10), { type: 'OutOfStock', data: { sku: SKU } }]);
      expectValid(events);
    });

    it('rejects, with the figures, when not enough is available', () => {
      const events = decideSku(reserve('o2', 5), given(registered(), received(10), reservedFor('o1', 7)));
      expect(events).toEqual([rejectedFor('o2', 5, 3)]);
      expectValid(events);
    });

    it('rejects with available 0 for a SKU that was never registered, so the saga gets an answer', () => {
      const events = decideSku(reserve('o1', 1), initialSkuState());
      expect(events).toEqual([rejectedFor('o1', 1, 0)]);
      expectValid(events);
    });

    it('answers a huge request with a rejection, not an error', () => {
      expect(decideSku(reserve('o1', 1e18), given(registered(), received(10)))).toEqual([rejectedFor('o1', 1e18, 10)]);
    });

    it('answers each order once: a redelivered request decides nothing, whatever the first answer was', () => {
      const afterReserve = given(registered(), received(10), reservedFor('o1', 4));
      expect(decideSku(reserve('o1', 4), afterReserve)).toEqual([]);
      const afterReject = given(registered(), received(1), rejectedFor('o2', 5, 1));
      expect(decideSku(reserve('o2', 5), afterReject)).toEqual([]);
      expect(decideSku(reserve('o2', 1), afterReject)).toEqual([]);
      const afterRelease = given(registered(), received(10), reservedFor('o3', 2), releasedFor('o3', 2));
      expect(decideSku(reserve('o3', 2), afterRelease)).toEqual([]);
    });

    it('rejects a request that is not a positive integer', () => {
      for (const quantity of [0, -3, 2.5]) expect(domainError(() => decideSku(reserve('o1', quantity), given(registered(), received(5)))).kind).toBe('rejected');
    });
  });

  describe('ReleaseReservation', () => {
    it('returns what the order holds, with BackInStock when available was 0', () => {
      const state = given(registered(), received(4), reservedFor('o1', 4));
      const events = decideSku(release('o1'), state);
      expect(events).toEqual([releasedFor('o1', 4), level(4, 0), { type: 'BackInStock', data: { sku: SKU, available: 4 } }]);
      expectValid(events);
    });

    it('decides nothing when the order holds nothing', () => {
      const state = given(registered(), received(4), reservedFor('o1', 1), rejectedFor('o2', 9, 3), releasedFor('o1', 1));
      expect(decideSku(release('o1'), state)).toEqual([]); // already released
      expect(decideSku(release('o2'), state)).toEqual([]); // was rejected
    });

    it('refuses, for now, a release of an order whose request it has not answered (another replica may hold it)', () => {
      const state = given(registered(), received(4));
      expect(() => decideSku(release('o9'), state)).toThrow(expect.objectContaining({ code: SkuErrorCodes.releaseBeforeRequest, kind: 'conflict' }));
      expect(() => decideSku(release('o9'), initialSkuState())).toThrow(expect.objectContaining({ code: SkuErrorCodes.releaseBeforeRequest }));
      // Once the request is answered, the release is decided as usual.
      const reserved = decideSku({ type: 'ReserveStock', sku: SKU, orderId: 'o9', quantity: 2 }, state).reduce(evolveSku, state);
      expect(decideSku(release('o9'), reserved)[0]).toEqual(releasedFor('o9', 2));
    });
  });

  describe('CommitReservation', () => {
    it('takes the reserved units out of stock: on-hand and reserved drop, available stays', () => {
      const state = given(registered(), received(10), reservedFor('o1', 4));
      const events = decideSku(commit('o1'), state);
      expect(events).toEqual([{ type: 'ReservationCommitted', data: { sku: SKU, orderId: 'o1', quantity: 4 } }, level(6, 0)]);
      expectValid(events);
      const after = events.reduce(evolveSku, state);
      expect(after).toMatchObject({ onHand: 6, reserved: 0 });
      expect(after.reservations.get('o1')).toEqual({ status: 'committed', quantity: 4 });
      expect(decideSku(commit('o1'), after)).toEqual([]);
      expect(decideSku(release('o1'), after)).toEqual([]);
    });

    it('refuses to commit what the order does not hold', () => {
      const error = domainError(() => decideSku(commit('o1'), given(registered(), received(10))));
      expect(error.kind).toBe('conflict');
      expect(error.code).toBe(SkuErrorCodes.noReservation);
    });
  });

  describe('LowStock', () => {
    const withThreshold = (threshold: number, onHand: number): SkuState => given(registered(threshold), received(onHand));

    it('fires when available crosses the threshold downward', () => {
      const events = decideSku(reserve('o1', 6), withThreshold(5, 10));
      expect(events).toEqual([reservedFor('o1', 6), level(10, 6), { type: 'LowStock', data: { sku: SKU, available: 4, threshold: 5 } }]);
      expectValid(events);
    });

    it('fires when landing exactly on the threshold', () => {
      expect(types(decideSku(adjust(-5), withThreshold(5, 10)))).toEqual(['StockAdjusted', 'StockLevelChanged', 'LowStock']);
    });

    it('does not fire again while already low, nor on the way up', () => {
      const low = given(registered(5), received(10), reservedFor('o1', 6));
      expect(types(decideSku(reserve('o2', 1), low))).toEqual(['StockReserved', 'StockLevelChanged']);
      expect(types(decideSku(receive(1), low))).toEqual(['StockReceived', 'StockLevelChanged']);
    });

    it('gives way to OutOfStock when available drops straight to 0', () => {
      expect(types(decideSku(reserve('o1', 10), withThreshold(5, 10)))).toEqual(['StockReserved', 'StockLevelChanged', 'OutOfStock']);
    });

    it('never fires with a threshold of 0 (only OutOfStock)', () => {
      expect(types(decideSku(reserve('o1', 9), withThreshold(0, 10)))).toEqual(['StockReserved', 'StockLevelChanged']);
    });
  });

  it('ignores the derived notifications when folding', () => {
    const state = given(registered(), received(3));
    for (const event of [level(99, 1), { type: 'OutOfStock', data: { sku: SKU } }, { type: 'BackInStock', data: { sku: SKU, available: 9 } }, { type: 'LowStock', data: { sku: SKU, available: 1, threshold: 2 } }] as SkuEvent[]) {
      expect(evolveSku(state, event)).toBe(state);
    }
  });

  it('does not mutate the state it is given', () => {
    const state = given(registered(), received(10), reservedFor('o1', 2));
    const snapshot = { ...state, reservations: [...state.reservations] };
    for (const event of decideSku(reserve('o2', 3), state)) evolveSku(state, event);
    for (const event of decideSku(release('o1'), state)) evolveSku(state, event);
    expect({ ...state, reservations: [...state.reservations] }).toEqual(snapshot);
  });

  it('folds a long history in linear-ish time (no copy of every earlier order per event)', () => {
    const orders = 50_000;
    const events: SkuEvent[] = [registered(), received(orders)];
    for (let i = 0; i < orders; i++) events.push(reservedFor(`o${i}`, 1), level(orders, i + 1));
    for (let i = 0; i < orders; i += 2) events.push(releasedFor(`o${i}`, 1));
    const started = performance.now();
    const state = events.reduce(evolveSku, initialSkuState());
    const elapsed = performance.now() - started;
    expect(state.reservations.size).toBe(orders);
    expect(state.reserved).toBe(orders / 2);
    expect(state.reservations.get('o0')).toEqual({ status: 'released', quantity: 1 });
    expect(state.reservations.get('o1')).toEqual({ status: 'reserved', quantity: 1 });
    expect(decideSku(reserve('o49999', 1), state)).toEqual([]);
    expect(elapsed).toBeLessThan(5_000); // a Map copied per event takes minutes here
  });

  it('keeps its invariants over a long random history, and its notifications agree with the state', () => {
    // A small deterministic PRNG (mulberry32) so a failure can be replayed.
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (max: number): number => Math.floor(random() * max);
    let state = given(registered(4));
    let wasOut = true;
    const counts: Record<string, number> = {};
    for (let step = 0; step < 3000; step++) {
      // Mostly new orders, sometimes a redelivery; releases and commits name a recent order.
      const order = `o${Math.max(0, step - int(40))}`;
      const pick = int(10);
      const command: SkuCommand =
        pick < 2 ? receive(1 + int(6)) : pick < 3 ? adjust(int(7) - 4 || 1) : pick < 7 ? reserve(order, 1 + int(4)) : pick < 9 ? release(order) : commit(order);
      let events: SkuEvent[];
      try {
        events = decideSku(command, state);
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        continue;
      }
      expectValid(events);
      const before = available(state);
      state = events.reduce(evolveSku, state);
      for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
      expect(state.reserved).toBeGreaterThanOrEqual(0);
      expect(state.reserved).toBeLessThanOrEqual(state.onHand);
      const levels = events.filter((e) => e.type === 'StockLevelChanged');
      if (levels.length) expect(levels[levels.length - 1]!.data).toEqual({ sku: SKU, onHand: state.onHand, reserved: state.reserved, available: available(state) });
      const after = available(state);
      if (events.some((e) => e.type === 'OutOfStock')) {
        expect([before > 0, after]).toEqual([true, 0]);
        expect(wasOut).toBe(false);
        wasOut = true;
      }
      if (events.some((e) => e.type === 'BackInStock')) {
        expect([before, after > 0]).toEqual([0, true]);
        expect(wasOut).toBe(true);
        wasOut = false;
      }
      const heldByOrders = [...state.reservations.values()].reduce((sum, o) => sum + (o.status === 'reserved' ? o.quantity : 0), 0);
      expect(heldByOrders).toBe(state.reserved);
    }
    expect(counts['StockReserved']).toBeGreaterThan(100);
    expect(counts['StockReservationRejected']).toBeGreaterThan(10);
    expect(counts['OutOfStock']).toBeGreaterThan(5);
    expect(counts['BackInStock']).toBeGreaterThan(5);
    expect(counts['LowStock']).toBeGreaterThan(5);
    expect(counts['ReservationCommitted']).toBeGreaterThan(5);
  });
});
