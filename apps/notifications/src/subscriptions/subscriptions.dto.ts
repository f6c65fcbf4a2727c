import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { SUBSCRIPTION_KINDS, type SubscriptionKind, type SubscriptionStatus } from '@stockflow/notifications-context';
import { IsIdentifier, IsSku } from '../shared/validation.js';

export class SubscribeDto {
  @ApiProperty({ description: 'The customer to tell', minLength: 1, maxLength: 64, example: 'customer-42' })
  @IsIdentifier()
  customerId!: string;

  @ApiProperty({ description: 'The SKU to watch', pattern: '^[A-Za-z0-9._-]{1,64}$', example: 'TSHIRT-RED-M' })
  @IsSku()
  sku!: string;

  @ApiPropertyOptional({
    enum: SUBSCRIPTION_KINDS,
    default: 'back-in-stock',
    description: '`back-in-stock`: told once when it is back, first subscribed first, as many as there are units; `availability`: told of every change (back, low, out)',
  })
  @IsOptional()
  @IsIn([...SUBSCRIPTION_KINDS], { message: `kind must be one of ${SUBSCRIPTION_KINDS.join(', ')}` })
  kind?: SubscriptionKind;
}

export class CreatedSubscription {
  @ApiProperty({ format: 'uuid', description: 'The new subscription id' })
  subscriptionId!: string;
}

export class SubscriptionView {
  @ApiProperty({ format: 'uuid' })
  subscriptionId!: string;

  @ApiProperty()
  customerId!: string;

  @ApiProperty()
  sku!: string;

  @ApiProperty({ enum: SUBSCRIPTION_KINDS })
  kind!: SubscriptionKind;

  @ApiProperty({ enum: ['active', 'cancelled', 'fulfilled'] })
  status!: SubscriptionStatus;

  @ApiProperty({ format: 'date-time', description: 'The subscription time: waves go first subscribed first' })
  subscribedAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  endedAt!: string | null;

  @ApiProperty()
  version!: number;
}
