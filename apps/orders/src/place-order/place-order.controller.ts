import { newResourceId } from '@stockflow/event-sourcing';
import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { BoundedRequest, CurrentCaller, ForCustomers, assertActsForThemselves, currentEventMetadata, type Caller } from '@stockflow/platform';
import { OrderCommands } from '../shared/order-commands.js';
import type { ReplyHeaders } from '../shared/order.view.js';
import { OrderAccepted, PLACE_ORDER_BOUNDS, PlaceOrderDto } from './place-order.dto.js';

@ApiTags('orders')
@Controller('orders')
export class PlaceOrderController {
  constructor(private readonly orders: OrderCommands) {}

  /** Places an order; it stays pending until inventory has answered for every line. */
  @Post()
  @ApiOperation({ operationId: 'placeOrder', summary: 'Place an order; the saga reserves every line or rejects it' })
  @ForCustomers()
  @HttpCode(202)
  @BoundedRequest(PLACE_ORDER_BOUNDS)
  @ApiAcceptedResponse({ type: OrderAccepted, description: 'Accepted: the order is pending. Location: /orders/{id}' })
  @ApiBadRequestResponse({ description: 'application/problem+json with field-level errors' })
  async place(@Body() body: PlaceOrderDto, @Res({ passthrough: true }) reply: ReplyHeaders, @CurrentCaller() caller: Caller): Promise<OrderAccepted> {
    assertActsForThemselves(caller, body.customerId);
    const orderId = newResourceId();
    await this.orders.execute(
      { type: 'PlaceOrder', data: { orderId, customerId: body.customerId, lines: body.lines.map(({ sku, quantity }) => ({ sku, quantity })), cartId: null } },
      currentEventMetadata(),
    );
    reply.header('location', `/orders/${orderId}`);
    return { orderId };
  }
}
