import { newResourceId } from '@stockflow/event-sourcing';
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, ForCustomers, IfMatchVersion, type Caller } from '@stockflow/platform';
import { CartsService } from '../shared/carts.service.js';
import { ApiIdempotencyKey, ApiIfMatch, ApiProblems, etagHeader, setEntityTag, type ReplyLike } from '../shared/http.js';
import { NoBodyPipe } from '@stockflow/platform';
import { CheckOutParams, CheckoutAccepted } from './check-out.dto.js';

@ApiTags('carts')
@Controller('carts')
export class CheckOutController {
  constructor(private readonly carts: CartsService) {}

  /**
   * Closes the cart and records the order id in CartCheckedOut; the orders service places the
   * order from that event, hence 202. Retry with the same Idempotency-Key to get the same order id.
   */
  @Post(':id/checkout')
  @ForCustomers()
  @HttpCode(202)
  @ApiOperation({ operationId: 'checkOutCart',
    summary: 'Check out an open, non-empty cart',
    description: 'Closes the cart and records CartCheckedOut with a new order id; the orders service places that order.',
  })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiAcceptedResponse({ type: CheckoutAccepted, headers: etagHeader })
  @ApiProblems(400, 404, 409, 412, 413, 415, 422)
  async checkOut(
    @Param() params: CheckOutParams,
    @Body(NoBodyPipe) _body: unknown,
    @IfMatchVersion() expectedVersion: number | undefined,
    @Res({ passthrough: true }) reply: ReplyLike,
    @CurrentCaller() caller: Caller,
  ): Promise<CheckoutAccepted> {
    const orderId = newResourceId();
    const { version } = await this.carts.execute(params.id, { type: 'CheckOut', data: { orderId } }, expectedVersion, caller);
    setEntityTag(reply, version);
    return { orderId };
  }
}
