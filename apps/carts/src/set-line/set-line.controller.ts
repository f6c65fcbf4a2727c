import { Body, Controller, HttpCode, Param, Put, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, ForCustomers, IfMatchVersion, type Caller } from '@stockflow/platform';
import { CartLineParams } from '../shared/cart-params.js';
import { CartView, toCartView } from '../shared/cart.view.js';
import { CartsService } from '../shared/carts.service.js';
import { ApiIfMatch, ApiProblems, etagHeader, setEntityTag, type ReplyLike } from '../shared/http.js';
import { SetLineDto } from './set-line.dto.js';

@ApiTags('carts')
@Controller('carts')
export class SetLineController {
  constructor(private readonly carts: CartsService) {}

  @Put(':id/lines/:sku')
  @ForCustomers()
  @HttpCode(200)
  @ApiOperation({ operationId: 'setCartLine', summary: 'Add a line to an open cart, or change its quantity', description: 'A cart holds at most 100 lines.' })
  @ApiIfMatch()
  @ApiOkResponse({ type: CartView, headers: etagHeader })
  @ApiProblems(400, 404, 409, 412, 413, 415, 422)
  async setLine(
    @Param() params: CartLineParams,
    @Body() body: SetLineDto,
    @IfMatchVersion() expectedVersion: number | undefined,
    @Res({ passthrough: true }) reply: ReplyLike,
    @CurrentCaller() caller: Caller,
  ): Promise<CartView> {
    const { state, version } = await this.carts.execute(params.id, { type: 'SetLine', data: { sku: params.sku, quantity: body.quantity } }, expectedVersion, caller);
    setEntityTag(reply, version);
    return toCartView(state, version);
  }
}
