import { ApiProperty } from '@nestjs/swagger';
import { identifierSchema, IsIdentifier } from '@stockflow/platform';

export class CreateCartDto {
  @ApiProperty({ ...identifierSchema('The customer the cart belongs to'), example: 'customer-42' })
  @IsIdentifier()
  customerId!: string;
}

export class CreatedCart {
  @ApiProperty({ format: 'uuid', description: 'The new cart id' })
  cartId!: string;
}
