import { Module } from '@nestjs/common';
import { NATS_CONNECTION, SERVICE_CONFIG, type OpenApiOptions } from '@stockflow/platform';
import type { NatsConnection } from '@nats-io/nats-core';
import { WebChannel } from './channels/web-channel.js';
import { ConfirmationSender } from './confirmations/confirmation-sender.js';
import { DeliveriesController } from './deliveries/deliveries.controller.js';
import { DeliveryStore } from './delivery/delivery-store.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { NotifierMetrics } from './delivery/notifier-metrics.js';
import { Planner } from './planning/planner.js';
import { StockCheck } from './planning/stock-check.js';
import { StockEventsHandler } from './planning/stock-events.handler.js';
import { WaveRunner } from './planning/wave-runner.js';
import type { NotifierConfig } from './notifier-config.js';

/** The notifier: plans deliveries from inventory's transitions and sends them on email, SMS and web. */
@Module({
  controllers: [StockEventsHandler, DeliveriesController],
  providers: [
    NotifierMetrics,
    DeliveryStore,
    {
      // The inbox writer and live announcer, shared by the planner (web deliveries due at once) and the dispatcher (held ones).
      provide: WebChannel,
      useFactory: (nats: NatsConnection, config: NotifierConfig, store: DeliveryStore) => new WebChannel(nats, config.NATS_NAMESPACE, store.s, store.inboxLockKey),
      inject: [NATS_CONNECTION, SERVICE_CONFIG, DeliveryStore],
    },
    Dispatcher,
    ConfirmationSender,
    Planner,
    StockCheck,
    WaveRunner,
  ],
})
export class NotifierModule {}

export const notifierOpenApi: OpenApiOptions = {
  title: 'stockflow notifier',
  version: '1.0.0',
  description: 'The delivery worker of the notifications context. Its HTTP side is health, metrics and the delivery log.',
};
