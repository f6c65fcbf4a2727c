import { ApiProperty } from '@nestjs/swagger';
import { SKU_MAX_LENGTH, SKU_PATTERN } from '@stockflow/contracts';
import { IsString, Length, Matches } from 'class-validator';

/** Largest quantity, delta or threshold one request may carry. */
export const MAX_QUANTITY = 1_000_000_000;

export const SKU_PATTERN_MESSAGE = '$property may only contain letters, digits, ".", "_" and "-"';

/** Route parameters of `/skus/:sku/…`. */
export class SkuParams {
  @ApiProperty({ minLength: 1, maxLength: SKU_MAX_LENGTH, pattern: SKU_PATTERN.source, example: 'TSHIRT-RED-M' })
  @IsString()
  @Length(1, SKU_MAX_LENGTH)
  @Matches(SKU_PATTERN, { message: SKU_PATTERN_MESSAGE })
  sku!: string;
}
