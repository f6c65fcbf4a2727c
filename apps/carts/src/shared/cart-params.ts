import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsCartId, IsSku } from './validation.js';

const lowerCase = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.toLowerCase() : value);

/** `/carts/:id`: a malformed id is a 400 on the field `id` (never a lookup). */
export class CartIdParams {
  @ApiProperty({ description: 'The cart id (a UUID, as returned by POST /carts)', format: 'uuid' })
  @Transform(lowerCase)
  @IsCartId()
  id!: string;
}

/** `/carts/:id/lines/:sku`. */
export class CartLineParams extends CartIdParams {
  @ApiProperty({ description: 'The SKU of the line', pattern: '^[A-Za-z0-9._-]{1,64}$', minLength: 1, maxLength: 64 })
  @IsSku()
  sku!: string;
}
