import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { DurableEventConsumer, withReplaySide, type DurableEventConsumerOptions, type EventHandler } from '../durable-event-consumer.js';
import type { ReceivedEvent } from '../received-event.js';

export type JetStreamTransportOptions = Omit<DurableEventConsumerOptions, 'handlers' | 'batch' | 'js' | 'jsm'> & {
  readonly connection: NatsConnection;
};

/**
 * NestJS transport for JetStream durable pull consumers: `@EventPattern('BackInStock')` methods
 * become the consumer's handlers, keyed by event type. The built-in NATS transport is core NATS
 * (at-most-once, no acks); this one acks only after the handler's promise resolves. Each consumer
 * runs with its replay side, which takes the dead letters an operator sends back (ADR 0036).
 */
export class JetStreamTransport extends Server implements CustomTransportStrategy {
  private consumers: DurableEventConsumer[] = [];

  constructor(private readonly transportOptions: JetStreamTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const { connection, ...options } = this.transportOptions;
      const handlers = new Map<string, EventHandler>();
      for (const [pattern, handler] of this.getHandlers()) {
        handlers.set(pattern, async (event: ReceivedEvent) => {
          await lastValueFrom(this.transformToObservable(await handler(event)), { defaultValue: undefined });
        });
      }
      this.consumers = withReplaySide({ ...options, handlers, js: jetstream(connection), jsm: await jetstreamManager(connection) });
      for (const consumer of this.consumers) await consumer.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    for (const consumer of this.consumers) await consumer.stop();
    this.consumers = [];
  }

  on(): never {
    throw new Error('JetStreamTransport emits no status events');
  }

  unwrap<T>(): T {
    return this.transportOptions.connection as T;
  }
}
