import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** Order ids: UUIDs from POST /orders, or the id a cart checkout chose. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export class OrderIdParams {
  @ApiProperty({ description: 'The order id', pattern: ORDER_ID_PATTERN.source, example: '3f0c1c9e-8a4b-4a36-9a8e-2f2f4f7e9b10' })
  @Matches(ORDER_ID_PATTERN, { message: 'id must be 1 to 64 letters, digits, ".", "_" or "-"' })
  id!: string;
}
