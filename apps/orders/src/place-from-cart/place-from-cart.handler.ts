import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { carts, PayloadOf } from '@stockflow/contracts';
import { DomainError } from '@stockflow/event-sourcing';
import { PoisonMessageError, type ReceivedEvent } from '@stockflow/messaging';
import { causedBy } from '@stockflow/platform';
import { OrderCommands } from '../shared/order-commands.js';

type CartCheckedOut = PayloadOf<typeof carts.CartCheckedOut>;

/**
 * A checked-out cart becomes an order with the id the cart chose (consumer `orders-from-carts`).
 * Placing an order that exists is a no-op, so a checkout delivered twice places one order.
 */
@Controller()
export class PlaceFromCartHandler {
  constructor(private readonly orders: OrderCommands) {}

  @EventPattern('CartCheckedOut')
  async onCartCheckedOut(@Payload() event: ReceivedEvent<CartCheckedOut>): Promise<void> {
    const { orderId, customerId, lines, cartId } = event.data;
    try {
      await this.orders.execute({ type: 'PlaceOrder', data: { orderId, customerId, lines, cartId } }, causedBy(event));
    } catch (error) {
      // A checkout that breaks the order's rules (e.g. one SKU on two lines) never will succeed.
      if (error instanceof DomainError) throw new PoisonMessageError(`cart ${cartId}: ${error.message}`);
      throw error;
    }
  }
}
