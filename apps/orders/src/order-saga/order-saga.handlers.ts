import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { inventory, orders, PayloadOf } from '@stockflow/contracts';
import type { ReceivedEvent } from '@stockflow/messaging';
import { OrderSagaProcess } from './order-saga.process.js';

type OrderPlaced = PayloadOf<typeof orders.OrderPlaced>;
type OrderCancelled = PayloadOf<typeof orders.OrderCancelled>;
type StockReserved = PayloadOf<typeof inventory.StockReserved>;
type StockReservationRejected = PayloadOf<typeof inventory.StockReservationRejected>;

/**
 * The saga's inputs: the orders context's own order events (consumer `orders-saga-orders`) and
 * inventory's answers (consumer `orders-saga-inventory`). Each handler is safe to run again on the
 * same event after a crash at any point: the saga's decisions are idempotent.
 */
@Controller()
export class OrderSagaHandlers {
  constructor(private readonly saga: OrderSagaProcess) {}

  @EventPattern('OrderPlaced')
  async onOrderPlaced(@Payload() event: ReceivedEvent<OrderPlaced>): Promise<void> {
    await this.saga.start(event, { orderId: event.data.orderId, lines: event.data.lines });
  }

  @EventPattern('OrderCancelled')
  async onOrderCancelled(@Payload() event: ReceivedEvent<OrderCancelled>): Promise<void> {
    await this.saga.cancel(event, event.data.orderId);
  }

  /** Inventory reserved a line. Orders without a saga here (not ours) are ignored. */
  @EventPattern('StockReserved')
  async onStockReserved(@Payload() event: ReceivedEvent<StockReserved>): Promise<void> {
    const { orderId, sku, quantity } = event.data;
    await this.saga.recordAnswer(event, { orderId, sku, outcome: 'reserved', requested: quantity, available: quantity });
  }

  /** Inventory could not reserve a line: not enough available. */
  @EventPattern('StockReservationRejected')
  async onStockReservationRejected(@Payload() event: ReceivedEvent<StockReservationRejected>): Promise<void> {
    const { orderId, sku, requested, available } = event.data;
    await this.saga.recordAnswer(event, { orderId, sku, outcome: 'rejected', requested, available });
  }
}
