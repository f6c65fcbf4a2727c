import { Module } from '@nestjs/common';
import type { EventStore } from '@stockflow/event-sourcing';
import { EVENT_STORE, type OpenApiOptions } from '@stockflow/platform';
import { AdjustStockController } from './adjust-stock/adjust-stock.controller.js';
import { GetSkuController } from './get-sku/get-sku.controller.js';
import { InventoryConfig } from './inventory-config.js';
import { ReceiveStockController } from './receive-stock/receive-stock.controller.js';
import { RegisterSkuController } from './register-sku/register-sku.controller.js';
import { ReservationsHandler } from './reservations/reservations.handler.js';
import { SkuCommands } from './shared/sku-commands.js';

/** Inventory's slices: SKU registration, stock receipts and adjustments, reads, and the saga's reservations. */
@Module({
  controllers: [RegisterSkuController, GetSkuController, ReceiveStockController, AdjustStockController, ReservationsHandler],
  providers: [
    {
      provide: SkuCommands,
      inject: [EVENT_STORE, InventoryConfig],
      useFactory: (store: EventStore, config: InventoryConfig) => new SkuCommands(store, { cacheSize: config.SKU_STATE_CACHE_SIZE }),
    },
  ],
})
export class InventoryModule {}

export const inventoryOpenApi: OpenApiOptions = {
  title: 'stockflow inventory',
  version: '1.0.0',
  description: 'SKUs and their stock. Every change is an event on `inventory.sku.*`; reservations arrive from the order saga.',
};
