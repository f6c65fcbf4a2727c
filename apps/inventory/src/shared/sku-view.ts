import { ApiProperty } from '@nestjs/swagger';
import { available, type SkuState } from '../domain/sku.js';

/** A SKU's stock figures as the API shows them (GET, and the answer to every stock command). */
export class SkuView {
  @ApiProperty({ example: 'TSHIRT-RED-M' })
  sku!: string;

  @ApiProperty({ example: 'Red T-shirt, M' })
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Units in the warehouse, reserved or not.' })
  onHand!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Units held for orders.' })
  reserved!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'onHand − reserved: what can still be reserved.' })
  available!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'LowStock fires when available drops to this or below (0: never).' })
  lowStockThreshold!: number;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Stream version; the ETag carries it, If-Match takes it back.' })
  version!: number;
}

export function toSkuView(state: SkuState, version: number): SkuView {
  return {
    sku: state.sku,
    name: state.name,
    onHand: state.onHand,
    reserved: state.reserved,
    available: available(state),
    lowStockThreshold: state.lowStockThreshold,
    version,
  };
}

/** The parts of a Fastify reply the controllers use to set headers. */
export interface ReplyHeaders {
  header(name: string, value: string): unknown;
}
