import { Inject, Injectable } from '@nestjs/common';
import { stockflowCatalog } from '@stockflow/contracts';
import {
  AggregateStateCache,
  CommandHandler,
  type Decider,
  type EventMetadata,
  type EventStore,
  type HandleCommandOptions,
} from '@stockflow/event-sourcing';
import { causedBy, currentEventMetadata, EVENT_STORE, type CausingEvent } from '@stockflow/platform';
import type { PoolClient } from 'pg';
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
import { OrderCommands } from '../shared/order-commands.js';
import { SagaDeadlines } from './saga-deadlines.js';

/** A saga as its stream holds it, with the events its follow-ups are caused by. */
export interface SagaSnapshot {
  readonly state: OrderSagaState;
  /** OrderSagaStarted: the timeout's cause. */
  readonly started: CausingEvent | null;
  /** The latest OrderSagaCompleted: the cause of the order's confirmation or rejection. */
  readonly completion: CausingEvent | null;
}

/** The saga decider over snapshots: it decides and evolves on the saga's state alone. */
const sagaSnapshots: Decider<OrderSagaCommand, OrderSagaEvent, SagaSnapshot> = {
  initialState: () => ({ state: orderSagaDecider.initialState(), started: null, completion: null }),
  decide: (command, snapshot) => orderSagaDecider.decide(command, snapshot.state),
  evolve: (snapshot, event) => ({ ...snapshot, state: orderSagaDecider.evolve(snapshot.state, event) }),
};

/**
 * Runs the saga decider against the saga's stream (through the service's one CommandHandler, with
 * its retries, cache and upcasting), then brings the Order in line with the saga.
 *
 * Crash safety: every decision is appended with the version it was decided on, so a step is taken
 * once whatever runs it twice; deciding again on a state that holds the decision yields nothing.
 * The Order follows the saga *after* the saga's append, and again on every later run (its commands
 * are no-ops when done), so a redelivery after a crash between the two appends finishes the job.
 * The deadline row is written in the transaction of the start events (on a log without
 * transactions: just before them) and deleted only when the saga is complete and the order agrees,
 * so the sweeper repairs a crash that no redelivery will.
 */
@Injectable()
export class OrderSagaProcess {
  /** Sagas as this process last wrote them: most steps then need no read. */
  private readonly snapshots = new AggregateStateCache<SagaSnapshot>();
  private readonly handler: CommandHandler<OrderSagaCommand, OrderSagaEvent, SagaSnapshot, PoolClient>;
  /** Whether the deadline row can commit with the start events; else it is written just before them (ADR 0046). */
  private readonly transactions: boolean;

  constructor(
    @Inject(EVENT_STORE) store: EventStore<PoolClient>,
    private readonly deadlines: SagaDeadlines,
    private readonly orders: OrderCommands,
    private readonly config: OrdersConfig,
  ) {
    this.transactions = store.capabilities.transactions;
    this.handler = new CommandHandler(store, stockflowCatalog, sagaSnapshots, {
      cache: this.snapshots,
      recordOrigin: (snapshot, event, origin) => {
        if (event.type === 'OrderSagaStarted') return { ...snapshot, started: origin };
        if (event.type === 'OrderSagaCompleted') return { ...snapshot, completion: origin };
        return snapshot;
      },
    });
  }

  /** OrderPlaced: start the saga (once), with its deadline in the start events' transaction. */
  start(event: CausingEvent, order: { orderId: string; lines: readonly OrderLine[] }, now = new Date()): Promise<SagaSnapshot> {
    const { orderId } = order;
    const deadline = new Date(now.getTime() + this.config.SAGA_TIMEOUT_MS).toISOString();
    const command: OrderSagaCommand = { type: 'StartSaga', data: { orderId, lines: order.lines, deadline } };
    if (!this.transactions) {
      // No transaction to share: the deadline goes first, decided on the stream as read (a redelivery
      // of a started saga decides nothing and leaves its deadline alone).
      return this.run(orderId, command, causedBy(event), {
        beforeAppend: async (events) => {
          if (events[0]?.type === 'OrderSagaStarted') await this.deadlines.set(orderId, deadline);
        },
      });
    }
    return this.run(orderId, command, causedBy(event), {
      // Most starts meet no stream: try without reading it (the append's no_stream check guards it).
      assumeNew: true,
      alongside: async (tx, events) => {
        if (events[0]?.type === 'OrderSagaStarted') await this.deadlines.insert(tx.connection, orderId, deadline);
      },
    });
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
    // A deadline without a saga has nothing to sweep: a start that crashed before its append on a
    // log without transactions (ADR 0046); a start that set a new deadline meanwhile keeps it.
    if (snapshot.state.status === 'none') await this.deadlines.removeIfDue(orderId, now);
    return snapshot;
  }

  private async run(
    orderId: string,
    command: OrderSagaCommand,
    metadata: EventMetadata | ((snapshot: SagaSnapshot) => EventMetadata),
    options: Pick<HandleCommandOptions<OrderSagaEvent, SagaSnapshot, PoolClient>, 'assumeNew' | 'alongside' | 'beforeAppend'> = {},
  ): Promise<SagaSnapshot> {
    const { state: snapshot } = await this.handler.handle(orderSagaStreamId(orderId), command, { metadata, ...options });
    await this.settle(snapshot);
    return snapshot;
  }

  /** Makes the Order agree with a completed saga, then drops its deadline. Safe to repeat. */
  private async settle(snapshot: SagaSnapshot): Promise<void> {
    const { state } = snapshot;
    if (state.status !== 'completed' || !state.orderId) return;
    const followUp = orderFollowUp(state);
    if (followUp) await this.orders.execute(followUp, causedBy(snapshot.completion!));
    await this.deadlines.remove(state.orderId);
    this.snapshots.delete(orderSagaStreamId(state.orderId)); // done: later inputs (a cancel) are rare and read the stream
  }
}
