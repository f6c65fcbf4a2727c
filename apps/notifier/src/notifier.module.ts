import { Module } from '@nestjs/common';
import type { OpenApiOptions } from '@stockflow/platform';
import { DeliveriesController } from './deliveries/deliveries.controller.js';
import { DeliveryStore } from './delivery/delivery-store.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { NotifierMetrics } from './delivery/notifier-metrics.js';
import { Planner } from './planning/planner.js';
import { StockCheck } from './planning/stock-check.js';
import { StockEventsHandler } from './planning/stock-events.handler.js';
import { WaveRunner } from './planning/wave-runner.js';

/** The notifier: plans deliveries from inventory's transitions and sends them on email, SMS and web. */
@Module({
  controllers: [StockEventsHandler, DeliveriesController],
  providers: [NotifierMetrics, DeliveryStore, Dispatcher, Planner, StockCheck, WaveRunner],
})
export class NotifierModule {}

export const notifierOpenApi: OpenApiOptions = {
  title: 'stockflow notifier',
  version: '1.0.0',
  description: 'The delivery worker of the notifications context. Its HTTP side is health, metrics and the delivery log.',
};
