import { ApiProperty } from '@nestjs/swagger';

// POST /carts/:id/checkout takes no body; its path parameter is `CartIdParams`.
export { CartIdParams as CheckOutParams } from '../shared/cart-params.js';

export class CheckoutAccepted {
  @ApiProperty({ format: 'uuid', description: 'The id of the order the orders service will place for this cart' })
  orderId!: string;
}
