import { ApiProperty } from '@nestjs/swagger';
import type { CartLine, ExistingCart } from '../domain/cart.js';

export class CartLineView {
  @ApiProperty({ example: 'SKU-123' })
  sku!: string;

  @ApiProperty({ minimum: 1, maximum: 10_000, example: 2 })
  quantity!: number;
}

/** A cart as the API shows it. `version` is the stream version, also sent as `ETag`. */
export class CartView {
  @ApiProperty({ format: 'uuid' })
  cartId!: string;

  @ApiProperty()
  customerId!: string;

  @ApiProperty({ enum: ['open', 'checked-out'] })
  status!: 'open' | 'checked-out';

  @ApiProperty({ type: [CartLineView] })
  lines!: CartLineView[];

  @ApiProperty({ type: String, nullable: true, description: 'The order placed at checkout; null while the cart is open' })
  orderId!: string | null;

  @ApiProperty({ description: 'The cart version; send it back as If-Match ("<version>") to update only this version' })
  version!: number;
}

export function toCartView(state: ExistingCart, version: number): CartView {
  return {
    cartId: state.cartId,
    customerId: state.customerId,
    status: state.status,
    lines: state.lines.map(({ sku, quantity }: CartLine) => ({ sku, quantity })),
    orderId: state.status === 'checked-out' ? state.orderId : null,
    version,
  };
}
