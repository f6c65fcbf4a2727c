import { describe, expect, it } from '@jest/globals';
import type { JsMsg } from '@nats-io/jetstream';
import { AckBatcher } from './ack-batcher.js';

function message(acked: number[], n: number): JsMsg {
  return { ack: () => void acked.push(n) } as unknown as JsMsg;
}

describe('AckBatcher', () => {
  it('sends the acks of a window together, in the order they were given, and nothing before', async () => {
    const acked: number[] = [];
    const acks = new AckBatcher({ windowMs: 20 });
    for (const n of [1, 2, 3]) acks.ack(message(acked, n));
    expect(acked).toEqual([]);
    expect(acks.waiting).toBe(3);
    await new Promise((r) => setTimeout(r, 40));
    expect(acked).toEqual([1, 2, 3]);
    expect(acks.waiting).toBe(0);
  });

  it('sends at once when a batch is full, and on flush', () => {
    const acked: number[] = [];
    const acks = new AckBatcher({ windowMs: 60_000, maxBatch: 2 });
    acks.ack(message(acked, 1));
    acks.ack(message(acked, 2));
    expect(acked).toEqual([1, 2]);
    acks.ack(message(acked, 3));
    acks.flush();
    expect(acked).toEqual([1, 2, 3]);
  });
});
