import { ApiProperty } from '@nestjs/swagger';
import { EVENT_CONSUMERS } from '@stockflow/contracts';
import { IsString, Matches } from 'class-validator';

/**
 * Whether a consumer reads its replay subject (ADR 0036): the durables the host runs do; the
 * projections' own are batch consumers at a checkpoint, remedied by a rebuild.
 */
export function replayableConsumer(durable: string): boolean {
  return EVENT_CONSUMERS.some((consumer) => consumer.durable === durable && consumer.process !== 'projections');
}

export function isKnownConsumer(durable: string): boolean {
  return EVENT_CONSUMERS.some((consumer) => consumer.durable === durable);
}

export class ConsumerParams {
  @ApiProperty({ pattern: '^[a-z0-9-]{1,64}$', example: 'notifier-inventory', description: 'A durable consumer (EVENT_CONSUMERS)' })
  @IsString()
  @Matches(/^[a-z0-9-]{1,64}$/)
  consumer!: string;
}

export class ReplayResultView {
  @ApiProperty({ example: 'notifier-inventory' })
  consumer!: string;

  @ApiProperty({ type: 'integer', minimum: 0, example: 2 })
  replayed!: number;

  @ApiProperty({ type: [Number], example: [41, 42], description: 'Sequences of the dead letters sent back, oldest first' })
  seqs!: number[];
}
