import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { IsIdentifier, IsSubscriptionId } from './validation.js';

const lowerCase = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.toLowerCase() : value);

/** `/customers/:id/…`. */
export class CustomerParams {
  @ApiProperty({ description: 'The customer id', minLength: 1, maxLength: 64, example: 'customer-42' })
  @IsIdentifier()
  id!: string;
}

/** `/customers/:id/notifications/:nid/…`. */
export class NotificationParams extends CustomerParams {
  @ApiProperty({ description: 'The inbox notification id', type: 'integer', minimum: 1 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value))
  @IsInt({ message: 'nid must be a positive integer' })
  @Min(1, { message: 'nid must be a positive integer' })
  @Max(Number.MAX_SAFE_INTEGER, { message: 'nid must be a positive integer' })
  nid!: number;
}

/** `/subscriptions/:id`. */
export class SubscriptionParams {
  @ApiProperty({ description: 'The subscription id (a UUID, as POST /subscriptions returned it)', format: 'uuid' })
  @Transform(lowerCase)
  @IsSubscriptionId()
  id!: string;
}
