import { Injectable } from '@nestjs/common';
import { stockflowCatalog } from '@stockflow/contracts';
import { AggregateStateCache, ConcurrencyConflict, type EventMetadata, type EventToAppend, type ExpectedVersion } from '@stockflow/event-sourcing';
import { causedBy, currentEventMetadata, ServiceMetrics, type CausingEvent } from '@stockflow/platform';
import { inTransaction, type PostgresEventStore } from '@stockflow/postgres';
import { randomUUID } from 'node:crypto';
import type { OrderLine } from '../domain/order.js';
import {
  orderFollowUp,
  orderSagaDecider,
  orderSagaStreamId,
  type OrderSagaCommand,
  type OrderSagaEvent,
  type OrderSagaState,
  type ReservationOutcome,
} from '../domain/order-saga.js';
import { OrdersConfig } from '../orders-config.js';
import type { OrderCommands } from '../shared/order-commands.js';
import { SagaDatabase } from './saga-database.js';
import type { SagaDeadlines } from './saga-deadlines.js';

/** A saga as its stream holds it, with the envelopes the follow-ups are caused by. */
export interface SagaSnapshot {
  readonly state: OrderSagaState;
  readonly version: number;
  /** OrderSagaStarted: the timeout's cause. */
  readonly started: CausingEvent | null;
  /** The latest OrderSagaCompleted: the cause of the order's confirmation or rejection. */
  readonly completion: CausingEvent | null;
}

const MAX_ATTEMPTS = 8;

/** A saga whose stream does not exist yet. */
const NEW_SAGA: SagaSnapshot = { state: orderSagaDecider.initialState(), version: 0, started: null, completion: null };

/**
 * Runs the saga decider against the saga's stream, then brings the Order in line with the saga.
 *
 * Crash safety: every decision is appended with the version it was decided on, so a step is taken
 * once whatever runs it twice; deciding again on a state that holds the decision yields nothing.
 * The Order follows the saga *after* the saga's append, and again on every later run (its commands
 * are no-ops when done), so a redelivery after a crash between the two appends finishes the job.
 * The deadline row is written in the transaction of the start events and deleted only when the
 * saga is complete and the order agrees, so the sweeper repairs a crash that no redelivery will.
 */
@Injectable()
export class OrderSagaProcess {
  private readonly store: PostgresEventStore;
  private readonly deadlines: SagaDeadlines;
  private readonly orders: OrderCommands;
  /** Sagas as this process last wrote them: most steps then need no read (see `run`). */
  private readonly snapshots = new AggregateStateCache<SagaSnapshot>();

  constructor(
    private readonly db: SagaDatabase,
    private readonly config: OrdersConfig,
    private readonly metrics: ServiceMetrics,
  ) {
    this.store = db.store;
    this.deadlines = db.deadlines;
    this.orders = db.orders;
  }

  /** OrderPlaced: start the saga (once), with its deadline. */
  start(event: CausingEvent, order: { orderId: string; lines: readonly OrderLine[] }, now = new Date()): Promise<SagaSnapshot> {
    const deadline = new Date(now.getTime() + this.config.SAGA_TIMEOUT_MS).toISOString();
    return this.run(order.orderId, { type: 'StartSaga', data: { orderId: order.orderId, lines: order.lines, deadline } }, causedBy(event));
  }

  /** StockReserved / StockReservationRejected: record inventory's answer for one line. */
  recordAnswer(
    event: CausingEvent,
    answer: { orderId: string; sku: string; outcome: ReservationOutcome; requested: number; available: number },
  ): Promise<SagaSnapshot> {
    return this.run(answer.orderId, { type: 'RecordReservation', data: answer }, causedBy(event));
  }

  /** OrderCancelled: release everything and complete as cancelled. */
  cancel(event: CausingEvent, orderId: string): Promise<SagaSnapshot> {
    return this.run(orderId, { type: 'CancelSaga', data: { orderId } }, causedBy(event));
  }

  /** The sweeper: time the saga out when its deadline has passed with answers missing. */
  async timeOut(orderId: string, now = new Date()): Promise<SagaSnapshot> {
    const snapshot = await this.run(orderId, { type: 'TimeOutSaga', data: { orderId, now: now.toISOString() } }, (s) =>
      s.started ? causedBy(s.started) : currentEventMetadata(),
    );
    // A deadline without a saga has nothing to sweep (it cannot arise: both commit together).
    if (snapshot.state.status === 'none') await this.deadlines.remove(orderId);
    return snapshot;
  }

  async load(orderId: string): Promise<SagaSnapshot> {
    const { events, currentVersion } = await this.store.readStream(orderSagaStreamId(orderId));
    let state = orderSagaDecider.initialState();
    let started: CausingEvent | null = null;
    let completion: CausingEvent | null = null;
    for (const recorded of events) {
      const { data } = stockflowCatalog.upcast(recorded.type, recorded.schemaVersion, recorded.data);
      state = orderSagaDecider.evolve(state, { type: recorded.type, data } as OrderSagaEvent);
      if (recorded.type === 'OrderSagaStarted') started = recorded;
      if (recorded.type === 'OrderSagaCompleted') completion = recorded;
    }
    return { state, version: currentVersion, started, completion };
  }

  private async run(orderId: string, command: OrderSagaCommand, metadata: EventMetadata | ((snapshot: SagaSnapshot) => EventMetadata)): Promise<SagaSnapshot> {
    for (let attempt = 1; ; attempt++) {
      // First try without a read: the state this process last wrote, or none yet for a new saga.
      // The append's expected version proves it current; a conflict reads the stream and decides again.
      const assumed = attempt === 1 ? (this.snapshots.get(orderId)?.state ?? (command.type === 'StartSaga' ? NEW_SAGA : undefined)) : undefined;
      const current = assumed ?? (await this.load(orderId));
      const decided = orderSagaDecider.decide(command, current.state);
      if (decided.length === 0) {
        if (assumed) continue; // only the stream itself may say there is nothing to do
        await this.settle(current);
        return current;
      }
      const meta = typeof metadata === 'function' ? metadata(current) : metadata;
      const events: EventToAppend[] = decided.map((event) => ({
        eventId: randomUUID(),
        type: event.type,
        schemaVersion: stockflowCatalog.currentVersion(event.type),
        data: event.data,
        ...meta,
      }));
      const expectedVersion: ExpectedVersion = current.version === 0 ? 'no_stream' : current.version;
      try {
        if (command.type === 'StartSaga' && decided[0]!.type === 'OrderSagaStarted') {
          await this.appendStart(orderId, command.data.deadline, events);
        } else {
          await this.store.appendToStream(orderSagaStreamId(orderId), events, { expectedVersion });
        }
      } catch (error) {
        this.snapshots.delete(orderId);
        // Another handler (an answer, a cancel, the sweeper) moved the saga on: decide again.
        if (!(error instanceof ConcurrencyConflict) || attempt >= MAX_ATTEMPTS) throw error;
        if (!assumed) await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt * 5));
        continue;
      }
      const next = this.advance(current, decided, events);
      this.snapshots.set(orderId, { state: next, version: next.version });
      await this.settle(next);
      return next;
    }
  }

  /** The start events and the deadline row commit together, or neither does. */
  private async appendStart(orderId: string, deadline: string, events: readonly EventToAppend[]): Promise<void> {
    await inTransaction(this.db.pool, async (client) => {
      await this.store.appendWith(client, orderSagaStreamId(orderId), events, { expectedVersion: 'no_stream' });
      await this.deadlines.insert(client, orderId, deadline);
    });
    // appendWith bypasses the service's metered store; count these events like every other append.
    this.metrics.eventsAppended.inc({ stream_category: 'ordersaga' }, events.length);
  }

  /** Makes the Order agree with a completed saga, then drops its deadline. Safe to repeat. */
  private async settle(snapshot: SagaSnapshot): Promise<void> {
    const { state } = snapshot;
    if (state.status !== 'completed' || !state.orderId) return;
    const followUp = orderFollowUp(state);
    if (followUp) await this.orders.execute(followUp, causedBy(snapshot.completion!));
    await this.deadlines.remove(state.orderId);
    this.snapshots.delete(state.orderId); // done: later inputs (a cancel) are rare and read the stream
  }

  private advance(current: SagaSnapshot, decided: readonly OrderSagaEvent[], appended: readonly EventToAppend[]): SagaSnapshot {
    let { started, completion } = current;
    decided.forEach((event, i) => {
      if (event.type === 'OrderSagaStarted') started = appended[i]!;
      if (event.type === 'OrderSagaCompleted') completion = appended[i]!;
    });
    return {
      state: decided.reduce(orderSagaDecider.evolve, current.state),
      version: current.version + decided.length,
      started,
      completion,
    };
  }
}
