import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { orderSaga } from '@stockflow/contracts';
import { DomainError } from '@stockflow/event-sourcing';
import { perKeyConcurrency, PoisonMessageError, type ReceivedEvent } from '@stockflow/messaging';
import { causedBy } from '@stockflow/platform';
import { SkuErrorCodes, type SkuCommand } from '../domain/sku.js';
import { SkuCommands } from '../shared/sku-commands.js';

type ReservationRequested = Extract<orderSaga.OrderSagaEvent, { type: 'ReservationRequested' }>;
type ReservationReleaseRequested = Extract<orderSaga.OrderSagaEvent, { type: 'ReservationReleaseRequested' }>;

/**
 * The durable consumer of the order saga's requests (`orders.ordersaga.>`): requests for different
 * SKUs at once, so their appends share group commits (ADR 0040); one SKU's requests in order.
 */
export const RESERVATIONS_CONSUMER = {
  sourceContext: 'orders',
  aggregate: 'ordersaga',
  durable: 'inventory-reservations',
  concurrency: perKeyConcurrency('sku'),
} as const;

/**
 * Answers the order saga. Each request becomes a command on `sku-<sku>`; the answer is an event on
 * that stream (StockReserved / StockReservationRejected / ReservationReleased), which the relay
 * publishes on `inventory.sku.*`. A redelivered request decides nothing: the SKU's state remembers
 * every order's outcome. The consumer acks after the handler resolves; a thrown error is retried,
 * except a DomainError, which no retry can cure and goes to the dead-letter stream — but for a
 * release that arrives before its request was answered, which is retried until it has been.
 */
@Controller()
export class ReservationsHandler {
  constructor(private readonly commands: SkuCommands) {}

  @EventPattern('ReservationRequested')
  async onReservationRequested(@Payload() event: ReceivedEvent<ReservationRequested['data']>): Promise<void> {
    const { sku, orderId, quantity } = event.data;
    await this.answer(event, { type: 'ReserveStock', sku, orderId, quantity });
  }

  @EventPattern('ReservationReleaseRequested')
  async onReservationReleaseRequested(@Payload() event: ReceivedEvent<ReservationReleaseRequested['data']>): Promise<void> {
    const { sku, orderId } = event.data;
    await this.answer(event, { type: 'ReleaseReservation', sku, orderId });
  }

  private async answer(event: ReceivedEvent, command: SkuCommand): Promise<void> {
    try {
      await this.commands.execute(command, { metadata: causedBy(event) });
    } catch (error) {
      // A release whose request another replica still handles: retried with backoff until it has (ADR 0044).
      if (error instanceof DomainError && error.code === SkuErrorCodes.releaseBeforeRequest) throw new Error(`${event.type} ${event.eventId}: ${error.message}`);
      if (error instanceof DomainError) throw new PoisonMessageError(`${event.type} ${event.eventId}: ${error.message}`);
      throw error;
    }
  }
}
