import { ApiProperty } from '@nestjs/swagger';
import { SKU_MAX_LENGTH, SKU_PATTERN } from '@stockflow/contracts';
import { IsInt, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { MAX_QUANTITY, SKU_PATTERN_MESSAGE } from '../shared/sku-params.js';

export class RegisterSkuDto {
  @ApiProperty({ minLength: 1, maxLength: SKU_MAX_LENGTH, pattern: SKU_PATTERN.source, example: 'TSHIRT-RED-M' })
  @IsString()
  @Length(1, SKU_MAX_LENGTH)
  @Matches(SKU_PATTERN, { message: SKU_PATTERN_MESSAGE })
  sku!: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Red T-shirt, M' })
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: '$property must not be blank' })
  name!: string;

  @ApiProperty({
    required: false,
    type: 'integer',
    minimum: 0,
    maximum: MAX_QUANTITY,
    default: 0,
    description: 'LowStock fires when available drops from above this to at or below it; 0 never fires it.',
  })
  // Absent means 0; null is not a number and is refused like any other wrong type.
  @ValidateIf((dto: RegisterSkuDto) => dto.lowStockThreshold !== undefined)
  @IsInt()
  @Min(0)
  @Max(MAX_QUANTITY)
  lowStockThreshold?: number;
}

export class RegisterSkuResponse {
  @ApiProperty({ example: 'TSHIRT-RED-M' })
  sku!: string;
}
