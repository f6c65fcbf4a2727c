import { newResourceId } from '@stockflow/event-sourcing';
import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, ForCustomers, assertActsForThemselves, type Caller } from '@stockflow/platform';
import { CartsService } from '../shared/carts.service.js';
import { ApiIdempotencyKey, ApiProblems, etagHeader, setEntityTag, type ReplyLike } from '../shared/http.js';
import { CreateCartDto, CreatedCart } from './create-cart.dto.js';

@ApiTags('carts')
@Controller('carts')
export class CreateCartController {
  constructor(private readonly carts: CartsService) {}

  @Post()
  @ForCustomers()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createCart', summary: 'Open a cart for a customer' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({
    type: CreatedCart,
    headers: { Location: { description: 'The new cart, /carts/{id}', schema: { type: 'string' } }, ...etagHeader },
  })
  @ApiProblems(400, 413, 415, 422)
  async create(@Body() body: CreateCartDto, @Res({ passthrough: true }) reply: ReplyLike, @CurrentCaller() caller: Caller): Promise<CreatedCart> {
    assertActsForThemselves(caller, body.customerId);
    const cartId = newResourceId();
    const { version } = await this.carts.execute(cartId, { type: 'CreateCart', data: { cartId, customerId: body.customerId } });
    reply.header('location', `/carts/${cartId}`);
    setEntityTag(reply, version);
    return { cartId };
  }
}
