import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, ValidateIf } from 'class-validator';

export const DEFAULT_CANCEL_REASON = 'cancelled by the customer';

export class CancelOrderDto {
  @ApiPropertyOptional({ maxLength: 500, example: 'ordered by mistake', description: `Defaults to "${DEFAULT_CANCEL_REASON}"` })
  // Absent is fine; null is not a reason (IsOptional would let it through).
  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @MaxLength(500)
  reason?: string;
}
