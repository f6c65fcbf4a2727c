import { Inject, Injectable } from '@nestjs/common';
import { stockflowCatalog } from '@stockflow/contracts';
import { AggregateStateCache, CommandHandler, DomainError, type EventStore } from '@stockflow/event-sourcing';
import { EVENT_STORE, SERVICE_CONFIG, currentEventMetadata, reachesCustomer, type Caller } from '@stockflow/platform';
import { CartErrors, cartDecider, cartStreamId, type CartCommand, type CartEvent, type CartState, type ExistingCart } from '../domain/cart.js';
import type { CartsConfig } from '../carts-config.js';

export interface CartSnapshot {
  readonly state: ExistingCart;
  /** The stream version the state was built from. */
  readonly version: number;
}

/** Runs cart commands against the cart's stream (`cart-<id>`) and reads carts back. */
@Injectable()
export class CartsService {
  private readonly handler: CommandHandler<CartCommand, CartEvent, CartState>;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(SERVICE_CONFIG) config: CartsConfig) {
    this.handler = new CommandHandler(store, stockflowCatalog, cartDecider, {
      cache: new AggregateStateCache<CartState>(config.CART_STATE_CACHE_SIZE ?? 10_000),
    });
  }

  /**
   * Decides `command` on the cart and appends the outcome, with the request's correlation and trace
   * ids. `expectedVersion` (If-Match) makes a stale version fail with 412 instead of a retry.
   */
  async execute(cartId: string, command: CartCommand, expectedVersion?: number, caller?: Caller): Promise<CartSnapshot> {
    // Someone else's cart is answered as one that does not exist (ADR 0025).
    if (command.type !== 'CreateCart' && caller?.kind === 'customer') await this.get(cartId, caller);
    const result = await this.handler.handle(cartStreamId(cartId), command, { metadata: currentEventMetadata(), expectedVersion });
    // Nothing recorded (the command changed nothing): the result carries no version, so read it.
    if (!result.append) return this.get(cartId);
    return { state: existing(result.state), version: result.append.nextExpectedVersion };
  }

  /** The cart, when `caller` (if given) may reach it: its customer, or an operator reading. */
  async get(cartId: string, caller?: Caller): Promise<CartSnapshot> {
    const { state, version } = await this.handler.load(cartStreamId(cartId));
    const cart = existing(state);
    if (caller !== undefined && !reachesCustomer(caller, cart.customerId)) throw new DomainError('not-found', 'No such cart', CartErrors.notFound);
    return { state: cart, version };
  }
}

function existing(state: CartState): ExistingCart {
  if (state.status === 'empty') throw new DomainError('not-found', 'No such cart', CartErrors.notFound);
  return state;
}
