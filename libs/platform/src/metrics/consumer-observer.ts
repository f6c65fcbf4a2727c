import type { ConsumerObserver } from '@stockflow/messaging';
import type { Logger } from 'pino';
import type { ServiceMetrics } from './service-metrics.js';

/** What a durable consumer reports, as the service's consumer metrics and a warning per retry. */
export function consumerObserver(metrics: ServiceMetrics, logger: Logger, consumer: string): Required<ConsumerObserver> {
  return {
    handled: (outcome, reason, count = 1) => {
      metrics.consumerHandled.inc({ consumer, outcome }, count);
      if (outcome === 'dead-letter') metrics.deadLetters.inc({ consumer, reason: reason ?? 'unknown' }, count);
    },
    pending: (messages) => metrics.consumerLag.set({ consumer }, messages),
    error: (error) => logger.warn({ err: error, consumer }, 'consumer: message will be retried'),
  };
}
