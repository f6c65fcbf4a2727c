// The relay is a real process here, killed with SIGKILL mid-stream and started again: every event
// must be on JetStream exactly once by eventId, in the log's order.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { EventStore } from '@stockflow/event-sourcing';
import { openRelayTestLog, stockReceived, stopped, streamAgainstLog, waitFor, type RelayTestLog } from './testing/relay-process.js';

describe('relay process killed hard mid-stream', () => {
  let log: RelayTestLog;
  let jsm: JetStreamManager;
  let store: EventStore;
  let streamName: string;
  const startRelay = (port: number) => log.relays.start(port, { RELAY_BATCH_SIZE: '50' });
  const storedCount = async (): Promise<number> => {
    log.relays.assertNoneExitedEarly();
    try {
      return (await jsm.streams.info(streamName)).state.messages;
    } catch {
      return 0;
    }
  };

  beforeAll(async () => {
    log = await openRelayTestLog({ schemaPrefix: 't_relay', name: 'relay-crash-spec', poolMax: 30 });
    ({ jsm, store, streamName } = log);
  });
  afterAll(() => log?.close());

  it('publishes every event exactly once, in log order, across a SIGKILL and a restart', async () => {
    const writers = 20;
    const perWriter = 150;
    // Concurrent writers so that transactions commit out of position order while the relay reads.
    const write = (round: string): Promise<unknown> =>
      Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < perWriter; i++) await store.appendToStream(`sku-${round}${w}`, [stockReceived(`${round}${w}`, i + 1)]);
        }),
      );

    const port = 20000 + Math.floor(Math.random() * 20000);
    const first = startRelay(port);
    const writing = write('a');
    await waitFor(async () => (await storedCount()) >= 500, 30_000, 'the relay to publish 500 events');
    await stopped(first, 'SIGKILL');
    const atKill = await storedCount();
    await writing;
    const total = writers * perWriter;
    expect(atKill).toBeLessThan(total);

    await write('b');
    const second = startRelay(port + 1);
    await waitFor(async () => (await storedCount()) >= 2 * total, 60_000, 'the restarted relay to catch up');
    await new Promise((r) => setTimeout(r, 500));
    await stopped(second, 'SIGTERM');

    const { written, messages, published, positions } = await streamAgainstLog(log);
    expect(written).toHaveLength(2 * total);
    expect(messages).toBe(2 * total);
    expect(new Set(published).size).toBe(published.length);
    expect(published).toEqual(written.map((e) => e.eventId));
    expect(positions).toEqual(written.map((e) => e.logPosition));
  }, 120_000);
});
