import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const integer = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value);

export class StreamQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Same as the Last-Event-ID header (for clients that cannot set headers)' })
  @IsOptional()
  @Transform(integer)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  lastEventId?: number;

  /** A stream ticket (POST /auth/stream-tickets): read by the platform's guard, never by the handler (ADR 0025). */
  @ApiPropertyOptional({ description: 'A 60-second stream ticket from POST /auth/stream-tickets, for EventSource clients' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  @Matches(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { message: '$property must be a stream ticket (a compact JWT)' })
  ticket?: string;
}

export class InboxItem {
  @ApiProperty({ type: 'integer', description: 'Increases with every notification; the SSE event id' })
  notificationId!: number;

  @ApiProperty()
  sku!: string;

  @ApiProperty({ enum: ['back-in-stock', 'low-stock', 'out-of-stock'] })
  kind!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty()
  body!: string;

  @ApiProperty({ type: String, nullable: true })
  link!: string | null;

  @ApiProperty()
  read!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
