// The command mix of the system benchmark, through the REST APIs: carts (open, add lines, check out),
// direct orders, restocks and cancellations of confirmed orders. Each command says what its effect
// on the read side looks like, so its visibility can be timed on the projections' SSE stream.
import { asCustomer, OPERATOR, type BenchCaller } from './bench-callers.js';
import type { ReadModelWatch, Row, ViewName } from './read-model-watch.js';

export const COMMAND_KINDS = ['cart.create', 'cart.setLine', 'cart.checkout', 'order.place', 'order.cancel', 'stock.receive'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

/** What a command's effect looks like on the read side. */
export interface Visibility {
  readonly view: ViewName;
  readonly key: string;
  readonly accepts: (row: Row) => boolean;
}

export interface Command {
  readonly kind: CommandKind;
  readonly method: 'POST' | 'PUT';
  readonly url: string;
  readonly body?: unknown;
  /** Whose token it carries: the customer the command is for, or an operator (restocks). */
  readonly caller: BenchCaller;
  /** Called with the body of a 2xx answer: updates the workload and says what to watch for. (A cart whose step failed is dropped.) */
  accepted(body: unknown): Visibility;
}

/** Shares of the mix, in %: cart steps, direct orders, restocks, cancellations. */
export const MIX = { cart: 50, order: 25, restock: 17, cancel: 8 } as const;
export type MixPart = keyof typeof MIX;

export interface WorkloadUrls {
  readonly carts: string;
  readonly orders: string;
  readonly inventory: string;
}

interface ReadyCart {
  readonly id: string;
  readonly customer: string;
  readonly lines: string[];
  readonly wanted: number;
}

const KEPT_CONFIRMED = 10_000;

export class SystemWorkload {
  private readonly readyCarts: ReadyCart[] = [];
  private readonly confirmed: { orderId: string; customer: string }[] = [];
  private readonly cancelling = new Set<string>();
  private cartSteps = 0;
  private cartsOpened = 0;

  constructor(
    private readonly urls: WorkloadUrls,
    /** SKUs with ample stock, registered before the run. */
    private readonly skus: readonly string[],
    private readonly customers: number,
    watch: ReadModelWatch,
  ) {
    // Confirmed orders become candidates for cancellation (each cancelled at most once).
    watch.onChange((view, row) => {
      if (view !== 'customer_orders' || row.status !== 'confirmed') return;
      const id = String(row.orderId);
      if (this.cancelling.has(id)) return;
      this.cancelling.add(id);
      this.confirmed.push({ orderId: id, customer: String(row.customerId) });
      if (this.confirmed.length > KEPT_CONFIRMED) this.confirmed.shift();
    });
  }

  /**
   * The next command of the mix (never blocks: a step that needs state it lacks becomes another), or
   * of one part of it (`only`, for the cost model; null when a cancellation has no confirmed order).
   */
  next(only?: MixPart): Command | null {
    if (only === 'cart') return this.cartStep();
    if (only === 'order') return this.placeOrder();
    if (only === 'restock') return this.restock();
    if (only === 'cancel') {
      const order = this.confirmed.pop();
      return order ? this.cancel(order.orderId, order.customer) : null;
    }
    const roll = Math.random() * 100;
    if (roll < MIX.cart) return this.cartStep();
    if (roll < MIX.cart + MIX.order) return this.placeOrder();
    if (roll < MIX.cart + MIX.order + MIX.restock) return this.restock();
    const order = this.confirmed.pop();
    return order ? this.cancel(order.orderId, order.customer) : this.placeOrder();
  }

  /** Every customer id the workload may use (to mint their tokens before the load). */
  customerIds(): string[] {
    return Array.from({ length: this.customers }, (_, i) => `cust-${i}`);
  }

  private customer(): string {
    return `cust-${Math.floor(Math.random() * this.customers)}`;
  }

  private sku(exclude: readonly string[] = []): string {
    for (;;) {
      const sku = this.skus[Math.floor(Math.random() * this.skus.length)]!;
      if (!exclude.includes(sku)) return sku;
    }
  }

  private cartStep(): Command {
    // A cart takes 4 steps on average (open, 2 lines, check out): open a new one when none is ready
    // for its next step, or when fewer than a quarter of the cart steps so far opened carts (so
    // carts left over from an earlier, slower phase do not crowd out new ones).
    this.cartSteps++;
    const cart = this.cartsOpened < this.cartSteps / 4 ? undefined : this.readyCarts.shift();
    if (!cart) {
      this.cartsOpened++;
      const customer = this.customer();
      return {
        kind: 'cart.create',
        method: 'POST',
        url: `${this.urls.carts}/carts`,
        body: { customerId: customer },
        caller: asCustomer(customer),
        accepted: (body) => {
          const id = (body as { cartId: string }).cartId;
          this.readyCarts.push({ id, customer, lines: [], wanted: 1 + Math.floor(Math.random() * 3) });
          return { view: 'carts', key: id, accepts: () => true };
        },
      };
    }
    if (cart.lines.length < cart.wanted) {
      const sku = this.sku(cart.lines);
      const quantity = 1 + Math.floor(Math.random() * 3);
      return {
        kind: 'cart.setLine',
        method: 'PUT',
        url: `${this.urls.carts}/carts/${cart.id}/lines/${sku}`,
        body: { quantity },
        caller: asCustomer(cart.customer),
        accepted: () => {
          this.readyCarts.push({ ...cart, lines: [...cart.lines, sku] });
          return {
            view: 'carts',
            key: cart.id,
            accepts: (row) => row.status === 'checked-out' || (row.lines as { sku: string; quantity: number }[]).some((l) => l.sku === sku && l.quantity === quantity),
          };
        },
      };
    }
    return {
      kind: 'cart.checkout',
      method: 'POST',
      url: `${this.urls.carts}/carts/${cart.id}/checkout`,
      caller: asCustomer(cart.customer),
      accepted: () => ({ view: 'carts', key: cart.id, accepts: (row) => row.status === 'checked-out' }),
    };
  }

  private placeOrder(): Command {
    const first = this.sku();
    const lines = [{ sku: first, quantity: 1 + Math.floor(Math.random() * 2) }];
    if (Math.random() < 0.3) lines.push({ sku: this.sku([first]), quantity: 1 });
    const customer = this.customer();
    return {
      kind: 'order.place',
      method: 'POST',
      url: `${this.urls.orders}/orders`,
      body: { customerId: customer, lines },
      caller: asCustomer(customer),
      accepted: (body) => ({ view: 'customer_orders', key: (body as { orderId: string }).orderId, accepts: () => true }),
    };
  }

  private restock(): Command {
    const sku = this.sku();
    return {
      kind: 'stock.receive',
      method: 'POST',
      url: `${this.urls.inventory}/skus/${sku}/receipts`,
      body: { quantity: 1 + Math.floor(Math.random() * 10) },
      caller: OPERATOR,
      accepted: (body) => {
        // On-hand stock only grows here (receipts; reservations leave it alone), so a row with at
        // least the on-hand figure this receipt answered shows its effect.
        const onHand = (body as { onHand: number }).onHand;
        return { view: 'stock', key: sku, accepts: (row) => Number(row.onHand) >= onHand };
      },
    };
  }

  private cancel(orderId: string, customer: string): Command {
    return {
      kind: 'order.cancel',
      method: 'POST',
      url: `${this.urls.orders}/orders/${orderId}/cancel`,
      body: { reason: 'bench: changed my mind' },
      caller: asCustomer(customer),
      accepted: () => ({ view: 'customer_orders', key: orderId, accepts: (row) => row.status === 'cancelled' }),
    };
  }
}
