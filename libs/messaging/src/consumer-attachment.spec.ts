// The gap rule of ConsumerAttachment. A delivery lost in transit cannot be produced on demand by a
// real server (it takes a connection cut while the message is on the wire; the outage system test
// does that under load), so the client's iterator is stood in for by one that yields what a
// server delivered: delivery sequences with one missing.
import { describe, expect, it } from '@jest/globals';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { ConsumerAttachment, DeliveryGap } from './consumer-attachment.js';

function delivered(...deliveries: number[]): ConsumerMessages & { closed: boolean } {
  const messages = deliveries.map((delivery) => ({ seq: 100 + delivery, info: { deliverySequence: delivery } }) as unknown as JsMsg);
  let ended!: () => void;
  const closing = new Promise<void>((resolve) => (ended = resolve));
  const iterator = {
    closed: false,
    async *[Symbol.asyncIterator]() {
      for (const msg of messages) {
        if (iterator.closed) return;
        yield msg;
      }
      // The client's iterator stays open until it is closed.
      await closing;
    },
    close: async () => {
      iterator.closed = true;
      ended();
    },
  };
  return iterator as unknown as ConsumerMessages & { closed: boolean };
}

async function take(attachment: ConsumerAttachment, count: number): Promise<number[]> {
  const seen: number[] = [];
  for await (const msg of attachment.messages()) {
    seen.push(msg.seq);
    if (seen.length === count) break;
  }
  return seen;
}

describe('ConsumerAttachment', () => {
  it('attaches again at once when a delivery went missing, and does not hand on the message after the gap', async () => {
    const attachments = [delivered(1, 2, 4, 5), delivered(1, 2, 3)];
    const errors: unknown[] = [];
    let attached = 0;
    const attachment = new ConsumerAttachment(async () => attachments[attached++]!, { reattachOnGap: true, onError: (e) => errors.push(e) });
    await attachment.open();
    // 101, 102 from the first consumer; 104 follows a lost delivery 3: the consumer is made again
    // (from the checkpoint, by `attach`) and delivers from there.
    expect(await take(attachment, 5)).toEqual([101, 102, 101, 102, 103]);
    expect(attached).toBe(2);
    expect(attachments[0]!.closed).toBe(true);
    expect(errors).toEqual([expect.any(DeliveryGap)]);
    expect((errors[0] as Error).message).toBe('delivery 3 never arrived (next came 4): attaching again from the checkpoint');
    await attachment.close();
  });

  it('without the option, hands on every delivery: the server redelivers the lost one after its ack wait', async () => {
    let attached = 0;
    const attachment = new ConsumerAttachment(async () => (attached++, delivered(1, 2, 4, 5)));
    await attachment.open();
    expect(await take(attachment, 4)).toEqual([101, 102, 104, 105]);
    expect(attached).toBe(1);
    await attachment.close();
  });

  it('counts from each attachment afresh: a new consumer starts its deliveries at 1', async () => {
    const attachments = [delivered(7, 8), delivered(1, 2)];
    let attached = 0;
    const attachment = new ConsumerAttachment(async () => attachments[attached++]!, { reattachOnGap: true });
    await attachment.open();
    const seen: number[] = [];
    for await (const msg of attachment.messages()) {
      seen.push(msg.seq);
      if (seen.length === 2) await attachments[0]!.close(); // the first iterator ends, as after an outage
      if (seen.length === 4) break;
    }
    expect(seen).toEqual([107, 108, 101, 102]);
    await attachment.close();
  }, 10_000);
});
