import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, cursorFormat, identifierSchema, IsIdentifier, OperatorOnly, PageQuery, pageOf, pageRequest, type Page } from '@stockflow/platform';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { DELIVERY_STATUSES, DeliveryStore } from '../delivery/delivery-store.js';

export class DeliveriesQuery extends PageQuery {
  @ApiPropertyOptional(identifierSchema('Only this customer'))
  @IsOptional()
  @IsIdentifier()
  customerId?: string;

  @ApiPropertyOptional({ description: 'Only this SKU' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  sku?: string;

  @ApiPropertyOptional({ enum: ['email', 'sms', 'web'] })
  @IsOptional()
  @IsIn(['email', 'sms', 'web'])
  channel?: string;

  @ApiPropertyOptional({ enum: [...DELIVERY_STATUSES] })
  @IsOptional()
  @IsIn([...DELIVERY_STATUSES])
  status?: string;
}

export class DeliveryLogEntry {
  @ApiProperty({ enum: ['queued', 'sent', 'failed', 'dead', 'cancelled', 'capped'] })
  status!: string;

  @ApiProperty()
  attempt!: number;

  @ApiProperty({ type: String, nullable: true })
  provider!: string | null;

  @ApiProperty({ type: String, nullable: true })
  detail!: string | null;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

export class DeliveryView {
  @ApiProperty({ format: 'uuid' }) deliveryId!: string;
  @ApiProperty({ format: 'uuid' }) subscriptionId!: string;
  @ApiProperty({ format: 'uuid', description: 'The inventory event (BackInStock, LowStock, OutOfStock)' }) eventId!: string;
  @ApiProperty({ enum: ['email', 'sms', 'web'] }) channel!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() sku!: string;
  @ApiProperty() kind!: string;
  @ApiProperty({ enum: [...DELIVERY_STATUSES], description: 'capped: not sent, the recipient reached its daily cap (final)' }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) provider!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Message-ID, provider message SID or inbox id' }) providerMessageId!: string | null;
  @ApiProperty({ type: String, nullable: true }) recipient!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last attempt failed, or why it is dead, cancelled or capped' }) lastError!: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) heldUntil!: string | null;
  @ApiProperty({ format: 'date-time' }) nextAttemptAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) sentAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'delivered', description: "SMS: the provider's newest report of the message (sent, delivered, undelivered, failed; ADR 0031), null before any" })
  providerStatus!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '30003', description: "SMS: the provider's error code with undelivered or failed" }) providerErrorCode!: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) providerStatusAt!: string | null;
  @ApiProperty({ type: [DeliveryLogEntry] }) log!: DeliveryLogEntry[];
}

interface Row {
  id: string;
  subscription_id: string;
  event_id: string;
  channel: string;
  customer_id: string;
  sku: string;
  kind: string;
  status: string;
  attempts: number;
  provider: string | null;
  provider_message_id: string | null;
  recipient: string | null;
  last_error: string | null;
  held_until: Date | null;
  next_attempt_at: Date;
  created_at: Date;
  sent_at: Date | null;
  provider_status: string | null;
  provider_error_code: string | null;
  provider_status_at: Date | null;
  log: { status: string; attempt: number; provider: string | null; detail: string | null; at: string }[];
  /** created_at to the microsecond, so that the next page starts exactly after the last row. */
  created_at_key: string;
}

/** The log pages newest first by (created_at, id). */
const deliveriesCursor = cursorFormat('notifier.deliveries', ['timestamp', 'text'] as const);

/** The delivery log: every delivery with its state changes, newest first (operators and tests). */
@ApiTags('deliveries')
@Controller('deliveries')
export class DeliveriesController {
  constructor(private readonly store: DeliveryStore) {}

  @Get()
  @OperatorOnly()
  @ApiOperation({ operationId: 'listDeliveries', summary: 'Deliveries and their log (queued, sent, failed, dead, cancelled, capped), newest first' })
  @ApiPageResponse(DeliveryView)
  async list(@Query() query: DeliveriesQuery): Promise<Page<DeliveryView>> {
    const { limit, after } = pageRequest(deliveriesCursor, query);
    const { rows } = await this.store.pool.query<Row>(
      `SELECT d.*, to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_key, coalesce((SELECT json_agg(json_build_object('status', l.status, 'attempt', l.attempt, 'provider', l.provider, 'detail', l.detail,
                 'at', to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY l.id)
               FROM ${this.store.s}.delivery_log l WHERE l.delivery_id = d.id), '[]') AS log
       FROM ${this.store.s}.deliveries d
       WHERE ($1::text IS NULL OR d.customer_id = $1) AND ($2::text IS NULL OR d.sku = $2)
         AND ($3::text IS NULL OR d.channel = $3) AND ($4::text IS NULL OR d.status = $4)
         AND ($5::timestamptz IS NULL OR (d.created_at, d.id::text) < ($5::timestamptz, $6::text))
       ORDER BY d.created_at DESC, d.id::text DESC LIMIT $7`,
      [query.customerId ?? null, query.sku ?? null, query.channel ?? null, query.status ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    return pageOf(deliveriesCursor, rows, limit, (r) => [r.created_at_key, r.id], (r) => ({
      deliveryId: r.id,
      subscriptionId: r.subscription_id,
      eventId: r.event_id,
      channel: r.channel,
      customerId: r.customer_id,
      sku: r.sku,
      kind: r.kind,
      status: r.status,
      attempts: r.attempts,
      provider: r.provider,
      providerMessageId: r.provider_message_id,
      recipient: r.recipient,
      lastError: r.last_error,
      heldUntil: r.held_until?.toISOString() ?? null,
      nextAttemptAt: r.next_attempt_at.toISOString(),
      createdAt: r.created_at.toISOString(),
      sentAt: r.sent_at?.toISOString() ?? null,
      providerStatus: r.provider_status,
      providerErrorCode: r.provider_error_code,
      providerStatusAt: r.provider_status_at?.toISOString() ?? null,
      log: r.log,
    }));
  }
}
