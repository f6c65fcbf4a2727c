import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { CurrentCaller, ForCustomers, entityTag, type Caller } from '@stockflow/platform';
import { OrderCommands } from '../shared/order-commands.js';
import { OrderIdParams } from '../shared/order-id.js';
import { toOrderView, OrderView, type ReplyHeaders } from '../shared/order.view.js';

@ApiTags('orders')
@Controller('orders')
export class GetOrderController {
  constructor(private readonly orders: OrderCommands) {}

  /** The order as its event stream says now, with its version as the ETag. */
  @Get(':id')
  @ApiOperation({ operationId: 'getOrder', summary: 'An order with its lines and status' })
  @ForCustomers()
  @ApiOkResponse({ type: OrderView, description: 'ETag: the order version' })
  @ApiNotFoundResponse({ description: 'No such order' })
  async get(@Param() params: OrderIdParams, @Res({ passthrough: true }) reply: ReplyHeaders, @CurrentCaller() caller: Caller): Promise<OrderView> {
    const { order, version } = await this.orders.get(params.id, caller);
    reply.header('etag', entityTag(version));
    return toOrderView(order, version);
  }
}
