import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { OrderStatus, PlacedOrder } from '../domain/order.js';

export class OrderLineView {
  @ApiProperty({ example: 'SKU-123' })
  sku!: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 2 })
  quantity!: number;
}

/** An order as GET /orders/:id and POST /orders/:id/cancel answer it. */
export class OrderView {
  @ApiProperty({ format: 'uuid', description: 'The order id' })
  orderId!: string;

  @ApiProperty()
  customerId!: string;

  @ApiProperty({ type: [OrderLineView] })
  lines!: OrderLineView[];

  @ApiProperty({
    enum: ['pending', 'confirmed', 'rejected', 'cancelled'],
    description: 'pending until inventory has answered for every line; then confirmed or rejected. Cancelled by the customer.',
  })
  status!: OrderStatus;

  @ApiPropertyOptional({ description: 'Why the order was rejected or cancelled', example: 'insufficient stock' })
  reason?: string;

  @ApiProperty({ type: 'integer', description: 'The order stream version, also sent as the ETag' })
  version!: number;
}

export function toOrderView(order: PlacedOrder, version: number): OrderView {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    lines: order.lines.map(({ sku, quantity }) => ({ sku, quantity })),
    status: order.status,
    ...(order.reason !== null ? { reason: order.reason } : {}),
    version,
  };
}

/** The part of a Fastify reply the controllers use. */
export interface ReplyHeaders {
  header(name: string, value: string): unknown;
}
