import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { SKU_MAX_LENGTH, SKU_PATTERN } from '@stockflow/contracts';
import { identifierSchema, IsIdentifier } from '@stockflow/platform';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { MAX_ORDER_LINES } from '../domain/order.js';

export const MAX_LINE_QUANTITY = 10_000;

/**
 * What a POST /orders may ask of the service (ADR 0022). The largest valid order — 100 lines of
 * 64-character SKUs at the highest quantity, a 64-character customer id — is about 9.3 KB as compact
 * JSON and 11.9 KB pretty-printed; anything above 32 KiB, or with more than MAX_ORDER_LINES
 * items in an array, is refused with 413 before it is mapped or validated.
 */
export const PLACE_ORDER_BOUNDS = { maxBodyBytes: 32 * 1024, maxArrayItems: MAX_ORDER_LINES, maxDepth: 4 } as const;

export class OrderLineDto {
  @ApiProperty({ minLength: 1, maxLength: SKU_MAX_LENGTH, pattern: SKU_PATTERN.source, example: 'SKU-123' })
  @IsString()
  @Length(1, SKU_MAX_LENGTH)
  @Matches(SKU_PATTERN, { message: 'sku may only contain letters, digits, ".", "_" and "-"' })
  sku!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_LINE_QUANTITY, example: 2 })
  @IsInt()
  @Min(1)
  @Max(MAX_LINE_QUANTITY)
  quantity!: number;
}

/** Lines are told apart by SKU; anything that is not a line object counts as unique (it fails elsewhere). */
const lineSku = (line: unknown): unknown => (line !== null && typeof line === 'object' ? (line as { sku?: unknown }).sku : Symbol());

export class PlaceOrderDto {
  @ApiProperty({ ...identifierSchema('The customer placing the order'), example: 'customer-42' })
  @IsIdentifier()
  customerId!: string;

  @ApiProperty({ type: [OrderLineDto], minItems: 1, maxItems: MAX_ORDER_LINES, description: 'One line per SKU' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ORDER_LINES)
  @ArrayUnique(lineSku, { message: 'lines must not repeat a SKU' })
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  lines!: OrderLineDto[];
}

export class OrderAccepted {
  @ApiProperty({ format: 'uuid', description: 'The new order id; GET /orders/{id} follows it' })
  orderId!: string;
}
