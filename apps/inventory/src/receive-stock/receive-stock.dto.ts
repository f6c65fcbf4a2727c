import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_QUANTITY } from '../shared/sku-params.js';

export class ReceiveStockDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_QUANTITY, example: 24, description: 'Units received into stock.' })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}
