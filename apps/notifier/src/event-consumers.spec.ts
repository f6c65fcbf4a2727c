// The durables this service runs and the events its handlers take are what the contracts say it
// consumes (EVENT_CONSUMERS: the AsyncAPI document's receive operations and the NATS permissions).
import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { consumerContractMismatches, controllersOf } from '@stockflow/platform';
import { NotifierModule } from './notifier.module.js';
import { NOTIFIER_CONSUMERS } from './notifier-service.js';

describe('notifier as a consumer', () => {
  it('runs the durables and handles the events EVENT_CONSUMERS lists for it, and no others', () => {
    expect(consumerContractMismatches('notifier', NOTIFIER_CONSUMERS, controllersOf(NotifierModule))).toEqual([]);
  });
});
