import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiHeader, ApiNotFoundResponse, ApiPreconditionFailedResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { CurrentCaller, ForCustomers, currentEventMetadata, entityTag, IfMatchVersion, type Caller } from '@stockflow/platform';
import { isPlaced } from '../domain/order.js';
import { OrderCommands } from '../shared/order-commands.js';
import { OrderIdParams } from '../shared/order-id.js';
import { toOrderView, OrderView, type ReplyHeaders } from '../shared/order.view.js';
import { CancelOrderDto, DEFAULT_CANCEL_REASON } from './cancel-order.dto.js';

@ApiTags('orders')
@Controller('orders')
export class CancelOrderController {
  constructor(private readonly orders: OrderCommands) {}

  /** Cancels a pending or confirmed order; the saga then releases its reservations. */
  @Post(':id/cancel')
  @ApiOperation({ operationId: 'cancelOrder', summary: 'Cancel a pending or confirmed order and release its reservations' })
  @ForCustomers()
  @HttpCode(202)
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag of GET /orders/{id}: cancel only that version' })
  @ApiAcceptedResponse({ type: OrderView, description: 'The cancelled order; its reservations are being released' })
  @ApiNotFoundResponse({ description: 'No such order' })
  @ApiConflictResponse({ description: 'The order is rejected or cancelled already' })
  @ApiPreconditionFailedResponse({ description: 'If-Match names another version' })
  async cancel(
    @Param() params: OrderIdParams,
    @Body() body: CancelOrderDto,
    @IfMatchVersion() expectedVersion: number | undefined,
    @Res({ passthrough: true }) reply: ReplyHeaders,
    @CurrentCaller() caller: Caller,
  ): Promise<OrderView> {
    // Someone else's order is answered as one that does not exist (ADR 0025).
    if (caller.kind === 'customer') await this.orders.get(params.id, caller);
    const reason = body.reason?.trim() || DEFAULT_CANCEL_REASON;
    const { state, version } = await this.orders.execute({ type: 'CancelOrder', data: { orderId: params.id, reason } }, currentEventMetadata(), expectedVersion);
    if (!isPlaced(state)) throw new Error(`order ${params.id}: no state after cancelling`);
    reply.header('etag', entityTag(version));
    return toOrderView(state, version);
  }
}
