import { Module } from '@nestjs/common';
import type { OpenApiOptions } from '@stockflow/platform';
import { CheckOutController } from './check-out/check-out.controller.js';
import { CreateCartController } from './create-cart/create-cart.controller.js';
import { GetCartController } from './get-cart/get-cart.controller.js';
import { RemoveLineController } from './remove-line/remove-line.controller.js';
import { SetLineController } from './set-line/set-line.controller.js';
import { CartsService } from './shared/carts.service.js';

/** The carts service: one controller per command slice, one read. */
@Module({
  controllers: [CreateCartController, GetCartController, SetLineController, RemoveLineController, CheckOutController],
  providers: [CartsService],
})
export class CartsModule {}

export const cartsOpenApi: OpenApiOptions = {
  title: 'stockflow carts',
  version: '1.0.0',
  description:
    'Shopping carts. Writes take If-Match (ETag of GET) and POSTs take Idempotency-Key. Checking a cart out closes it and ' +
    'publishes CartCheckedOut (carts.cart.CartCheckedOut) with the order id the orders service places.',
};
