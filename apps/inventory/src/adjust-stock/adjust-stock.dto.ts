import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min, NotEquals } from 'class-validator';
import { MAX_QUANTITY } from '../shared/sku-params.js';

export class AdjustStockDto {
  @ApiProperty({
    type: 'integer',
    minimum: -MAX_QUANTITY,
    maximum: MAX_QUANTITY,
    example: -2,
    description: 'Units to add (positive) or remove (negative); never 0. On-hand stock may not drop below what is reserved.',
  })
  @IsInt()
  @NotEquals(0)
  @Min(-MAX_QUANTITY)
  @Max(MAX_QUANTITY)
  delta!: number;

  @ApiProperty({ minLength: 1, maxLength: 500, example: 'two damaged in the stock count' })
  @IsString()
  @Length(1, 500)
  @Matches(/\S/, { message: '$property must not be blank' })
  reason!: string;
}
