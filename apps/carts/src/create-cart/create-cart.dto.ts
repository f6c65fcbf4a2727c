import { ApiProperty } from '@nestjs/swagger';
import { IsIdentifier } from '../shared/validation.js';

export class CreateCartDto {
  @ApiProperty({ description: 'The customer the cart belongs to', minLength: 1, maxLength: 64, example: 'customer-42' })
  @IsIdentifier()
  customerId!: string;
}

export class CreatedCart {
  @ApiProperty({ format: 'uuid', description: 'The new cart id' })
  cartId!: string;
}
