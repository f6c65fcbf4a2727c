import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, ForCustomers, type Caller } from '@stockflow/platform';
import { toCartView } from '../shared/cart.view.js';
import { CartsService } from '../shared/carts.service.js';
import { ApiProblems, etagHeader, setEntityTag, type ReplyLike } from '../shared/http.js';
import { CartView, GetCartParams } from './get-cart.dto.js';

@ApiTags('carts')
@Controller('carts')
export class GetCartController {
  constructor(private readonly carts: CartsService) {}

  @Get(':id')
  @ForCustomers()
  @ApiOperation({ operationId: 'getCart', summary: 'Read a cart' })
  @ApiOkResponse({ type: CartView, headers: etagHeader })
  @ApiProblems(400, 404)
  async getCart(@Param() params: GetCartParams, @Res({ passthrough: true }) reply: ReplyLike, @CurrentCaller() caller: Caller): Promise<CartView> {
    const { state, version } = await this.carts.get(params.id, caller);
    setEntityTag(reply, version);
    return toCartView(state, version);
  }
}
