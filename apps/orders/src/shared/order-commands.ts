import { stockflowCatalog } from '@stockflow/contracts';
import { CommandHandler, DomainError, type EventMetadata, type EventStore } from '@stockflow/event-sourcing';
import { reachesCustomer, type Caller } from '@stockflow/platform';
import { isPlaced, orderDecider, orderStreamId, type OrderCommand, type OrderEvent, type OrderState, type PlacedOrder } from '../domain/order.js';

export interface OrderSnapshot {
  readonly order: PlacedOrder;
  /** The order stream's version: the ETag, and the If-Match a write may name. */
  readonly version: number;
}

export interface DecidedOrder {
  readonly events: readonly OrderEvent[];
  readonly state: OrderState;
  readonly version: number;
}

/**
 * Runs the Order decider against an event store (stream `order-<id>`): one per service, shared by
 * the HTTP side and the saga.
 */
export class OrderCommands {
  private readonly handler: CommandHandler<OrderCommand, OrderEvent, OrderState>;

  constructor(store: EventStore) {
    this.handler = new CommandHandler(store, stockflowCatalog, orderDecider);
  }

  async execute(command: OrderCommand, metadata: EventMetadata, expectedVersion?: number): Promise<DecidedOrder> {
    const { events, state, version } = await this.handler.handle(orderStreamId(command.data.orderId), command, { metadata, expectedVersion });
    return { events, state, version };
  }

  /**
   * The order as its stream says now; DomainError `not-found` when there is none, or when `caller`
   * (if given) may not reach it — someone else's order looks like one that does not exist (ADR 0025).
   */
  async get(orderId: string, caller?: Caller): Promise<OrderSnapshot> {
    const { state, version } = await this.handler.load(orderStreamId(orderId));
    if (!isPlaced(state) || (caller !== undefined && !reachesCustomer(caller, state.customerId))) throw new DomainError('not-found', `order ${orderId} does not exist`, 'order-not-found');
    return { order: state, version };
  }
}
