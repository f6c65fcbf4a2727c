// The cart aggregate as a pure decider: commands in, events out, state folded from events.
// No NestJS, PostgreSQL or NATS here (domain-purity.spec.ts checks the imports).
import { IDENTIFIER_RULE, isIdentifier, isSku, type carts } from '@stockflow/contracts';
import { DomainError, type Decider } from '@stockflow/event-sourcing';

export type CartEvent = carts.CartEvent;
export type CartCreated = Extract<CartEvent, { type: 'CartCreated' }>;
export type CartLineSet = Extract<CartEvent, { type: 'CartLineSet' }>;
export type CartLineRemoved = Extract<CartEvent, { type: 'CartLineRemoved' }>;
export type CartCheckedOut = Extract<CartEvent, { type: 'CartCheckedOut' }>;

/** Most distinct SKUs one cart may hold (CartCheckedOut carries at most this many lines). */
export const MAX_CART_LINES = 100;
/** Largest quantity of one line. */
export const MAX_LINE_QUANTITY = 10_000;

export type CreateCart = { readonly type: 'CreateCart'; readonly data: { readonly cartId: string; readonly customerId: string } };
export type SetLine = { readonly type: 'SetLine'; readonly data: { readonly sku: string; readonly quantity: number } };
export type RemoveLine = { readonly type: 'RemoveLine'; readonly data: { readonly sku: string } };
export type CheckOut = { readonly type: 'CheckOut'; readonly data: { readonly orderId: string } };
export type CartCommand = CreateCart | SetLine | RemoveLine | CheckOut;

export interface CartLine {
  readonly sku: string;
  readonly quantity: number;
}

export type CartState =
  | { readonly status: 'empty' }
  | {
      readonly status: 'open';
      readonly cartId: string;
      readonly customerId: string;
      /** In the order the SKUs were first added; changing a quantity keeps a line's place. */
      readonly lines: readonly CartLine[];
    }
  | {
      readonly status: 'checked-out';
      readonly cartId: string;
      readonly customerId: string;
      readonly lines: readonly CartLine[];
      readonly orderId: string;
    };

export type ExistingCart = Exclude<CartState, { status: 'empty' }>;

/** Error codes the decider answers with (`DomainError.code`). */
export const CartErrors = {
  notFound: 'cart-not-found',
  alreadyExists: 'cart-already-exists',
  checkedOut: 'cart-checked-out',
  lineNotFound: 'cart-line-not-found',
  tooManyLines: 'cart-line-limit-reached',
  empty: 'cart-empty',
  invalidQuantity: 'invalid-quantity',
  invalidSku: 'invalid-sku',
  invalidId: 'invalid-id',
} as const;

export const initialCartState = (): CartState => ({ status: 'empty' });

export function decide(command: CartCommand, state: CartState): CartEvent[] {
  switch (command.type) {
    case 'CreateCart': {
      const { cartId, customerId } = command.data;
      if (state.status !== 'empty') throw new DomainError('conflict', `Cart ${state.cartId} already exists`, CartErrors.alreadyExists);
      assertId('cartId', cartId);
      assertId('customerId', customerId);
      return [{ type: 'CartCreated', data: { cartId, customerId } }];
    }
    case 'SetLine': {
      const cart = openCart(state);
      const { sku, quantity } = command.data;
      assertSku(sku);
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
        throw new DomainError('rejected', `A line's quantity must be an integer from 1 to ${MAX_LINE_QUANTITY} (got ${quantity})`, CartErrors.invalidQuantity);
      }
      const existing = cart.lines.find((line) => line.sku === sku);
      if (existing?.quantity === quantity) return [];
      if (!existing && cart.lines.length >= MAX_CART_LINES) {
        throw new DomainError('rejected', `A cart holds at most ${MAX_CART_LINES} lines; remove one before adding ${sku}`, CartErrors.tooManyLines);
      }
      return [{ type: 'CartLineSet', data: { cartId: cart.cartId, sku, quantity } }];
    }
    case 'RemoveLine': {
      const cart = openCart(state);
      const { sku } = command.data;
      if (!cart.lines.some((line) => line.sku === sku)) {
        throw new DomainError('not-found', `Cart ${cart.cartId} has no line for SKU ${sku}`, CartErrors.lineNotFound);
      }
      return [{ type: 'CartLineRemoved', data: { cartId: cart.cartId, sku } }];
    }
    case 'CheckOut': {
      const cart = openCart(state);
      const { orderId } = command.data;
      assertId('orderId', orderId);
      if (cart.lines.length === 0) throw new DomainError('rejected', `Cart ${cart.cartId} is empty and cannot be checked out`, CartErrors.empty);
      return [
        {
          type: 'CartCheckedOut',
          data: { cartId: cart.cartId, customerId: cart.customerId, orderId, lines: cart.lines.map(({ sku, quantity }) => ({ sku, quantity })) },
        },
      ];
    }
    default:
      return assertNever(command);
  }
}

export function evolve(state: CartState, event: CartEvent): CartState {
  switch (event.type) {
    case 'CartCreated':
      return { status: 'open', cartId: event.data.cartId, customerId: event.data.customerId, lines: [] };
    case 'CartLineSet': {
      if (state.status !== 'open') return state;
      const { sku, quantity } = event.data;
      const index = state.lines.findIndex((line) => line.sku === sku);
      const lines = index === -1 ? [...state.lines, { sku, quantity }] : state.lines.map((line, i) => (i === index ? { sku, quantity } : line));
      return { ...state, lines };
    }
    case 'CartLineRemoved':
      if (state.status !== 'open') return state;
      return { ...state, lines: state.lines.filter((line) => line.sku !== event.data.sku) };
    case 'CartCheckedOut':
      if (state.status !== 'open') return state;
      return { status: 'checked-out', cartId: state.cartId, customerId: state.customerId, lines: event.data.lines, orderId: event.data.orderId };
    default:
      return assertNever(event);
  }
}

export const cartDecider: Decider<CartCommand, CartEvent, CartState> = { decide, evolve, initialState: initialCartState };

/** The stream of one cart. */
export function cartStreamId(cartId: string): string {
  return `cart-${cartId}`;
}

/** A cart that takes changes: it exists and is not checked out. */
function openCart(state: CartState): Extract<CartState, { status: 'open' }> {
  if (state.status === 'empty') throw new DomainError('not-found', 'No such cart', CartErrors.notFound);
  if (state.status === 'checked-out') {
    throw new DomainError('conflict', `Cart ${state.cartId} was checked out (order ${state.orderId}) and is closed`, CartErrors.checkedOut);
  }
  return state;
}

function assertId(name: string, value: string): void {
  if (!isIdentifier(value)) {
    throw new DomainError('rejected', `${name} must be ${IDENTIFIER_RULE}`, CartErrors.invalidId);
  }
}

function assertSku(sku: string): void {
  if (!isSku(sku)) {
    throw new DomainError('rejected', `A SKU is 1 to 64 letters, digits, '.', '_' or '-' (got ${JSON.stringify(sku)})`, CartErrors.invalidSku);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled ${JSON.stringify(value)}`);
}
