import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { toCartView } from '../shared/cart.view.js';
import { CartsService } from '../shared/carts.service.js';
import { ApiProblems, etagHeader, setEntityTag, type ReplyLike } from '../shared/http.js';
import { CartView, GetCartParams } from './get-cart.dto.js';

@ApiTags('carts')
@Controller('carts')
export class GetCartController {
  constructor(private readonly carts: CartsService) {}

  @Get(':id')
  @ApiOperation({ summary: 'Read a cart' })
  @ApiOkResponse({ type: CartView, headers: etagHeader })
  @ApiProblems(400, 404)
  async getCart(@Param() params: GetCartParams, @Res({ passthrough: true }) reply: ReplyLike): Promise<CartView> {
    const { state, version } = await this.carts.get(params.id);
    setEntityTag(reply, version);
    return toCartView(state, version);
  }
}
