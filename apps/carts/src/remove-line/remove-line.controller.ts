import { Body, Controller, Delete, HttpCode, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, ForCustomers, IfMatchVersion, type Caller } from '@stockflow/platform';
import { CartView, toCartView } from '../shared/cart.view.js';
import { CartsService } from '../shared/carts.service.js';
import { ApiIfMatch, ApiProblems, etagHeader, setEntityTag, type ReplyLike } from '../shared/http.js';
import { NoBodyPipe } from '@stockflow/platform';
import { RemoveLineParams } from './remove-line.dto.js';

@ApiTags('carts')
@Controller('carts')
export class RemoveLineController {
  constructor(private readonly carts: CartsService) {}

  @Delete(':id/lines/:sku')
  @ForCustomers()
  @HttpCode(200)
  @ApiOperation({ operationId: 'removeCartLine', summary: 'Remove a line from an open cart' })
  @ApiIfMatch()
  @ApiOkResponse({ type: CartView, headers: etagHeader })
  @ApiProblems(400, 404, 409, 412, 413, 415)
  async removeLine(
    @Param() params: RemoveLineParams,
    @Body(NoBodyPipe) _body: unknown,
    @IfMatchVersion() expectedVersion: number | undefined,
    @Res({ passthrough: true }) reply: ReplyLike,
    @CurrentCaller() caller: Caller,
  ): Promise<CartView> {
    const { state, version } = await this.carts.execute(params.id, { type: 'RemoveLine', data: { sku: params.sku } }, expectedVersion, caller);
    setEntityTag(reply, version);
    return toCartView(state, version);
  }
}
