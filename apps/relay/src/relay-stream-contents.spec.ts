// The relay process against its stream's contents (issue 15): another client's messages on its
// stream — without headers, with a garbage position, with a position far ahead — neither stop it
// nor make it skip events, and /health/ready says "stuck" while it cannot publish.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DiscardPolicy, jetstream, type JetStreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { EnvelopeHeaders } from '@stockflow/contracts';
import type { EventStore, RecordedEvent } from '@stockflow/event-sourcing';
import type { NatsConnection } from '@stockflow/messaging';
import { randomUUID } from 'node:crypto';
import { openRelayTestLog, stockReceived, stopped, waitFor, type RelayProcesses, type RelayTestLog } from './testing/relay-process.js';

const STUCK_AFTER_MS = 1500;

describe('relay process and a stream written by others', () => {
  let log: RelayTestLog;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let store: EventStore;
  let relays: RelayProcesses;
  let namespace: string;
  let streamName: string;
  const port = 20000 + Math.floor(Math.random() * 20000);

  beforeAll(async () => {
    log = await openRelayTestLog({ schemaPrefix: 't_relayc', name: 'relay-contents-spec', poolMax: 4, logLevel: 'error' });
    ({ nc, jsm, store, relays, namespace, streamName } = log);
  });
  afterAll(() => log?.close());

  async function wholeLog(): Promise<RecordedEvent[]> {
    return store.readAll({ after: null, maxCount: 10_000 });
  }

  async function streamMessages(): Promise<{ id: string; position: string }[]> {
    const info = await jsm.streams.info(streamName);
    const out: { id: string; position: string }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(streamName, { seq });
      if (m) out.push({ id: m.header?.get('Nats-Msg-Id') ?? '', position: m.header?.get(EnvelopeHeaders.logPosition) ?? '' });
    }
    return out;
  }

  /** The log's events that are on the stream, in stream order (may repeat, if the relay doubled one). */
  async function relayedIds(): Promise<string[]> {
    relays.assertNoneExitedEarly();
    const ids = new Set((await wholeLog()).map((e) => e.eventId));
    return (await streamMessages()).filter((m) => ids.has(m.id)).map((m) => m.id);
  }

  let appended = 0;
  async function appendAndAwait(n: number, relayUrl: () => string): Promise<void> {
    for (let i = 0; i < n; i++, appended++) await store.appendToStream(`sku-S${appended % 4}`, [stockReceived(`S${appended % 4}`)]);
    await waitFor(async () => (await relayedIds()).length >= appended, 60_000, `${appended} events on the stream (relay at ${relayUrl()})`);
  }

  async function publishForeign(position: string | null): Promise<void> {
    const h = headers();
    if (position !== null) {
      h.set(EnvelopeHeaders.logPosition, position);
      h.set('Nats-Msg-Id', randomUUID());
    }
    await jetstream(nc).publish(`${namespace}.inventory.sku.Anything`, JSON.stringify({ eventId: randomUUID(), streamId: 'sku-S0', streamPosition: 1 }), { headers: h });
  }

  async function ready(url: string): Promise<{ status: number; body: { checks?: { error?: Record<string, { state?: string }> } } }> {
    const response = await fetch(`${url}/health/ready`);
    return { status: response.status, body: (await response.json()) as { checks?: { error?: Record<string, { state?: string }> } } };
  }

  async function foreignCounted(url: string): Promise<number> {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^relay_foreign_messages_total (\d+)/m.exec(text)?.[1] ?? 'NaN');
  }

  it('relays every event once, in order, past foreign messages and across a restart; health turns 503 "stuck" and back', async () => {
    let url = `http://127.0.0.1:${port}`;
    let relay = relays.start(port, { RELAY_STUCK_AFTER_MS: String(STUCK_AFTER_MS), RELAY_BATCH_SIZE: '20' });
    await waitFor(async () => (await fetch(`${url}/health/live`).catch(() => null))?.ok === true, 60_000, 'the relay to listen');
    await appendAndAwait(10, () => url);

    // While it runs: each foreign message becomes the stream's last, and the next publish meets it.
    await publishForeign(null);
    await appendAndAwait(10, () => url);
    await publishForeign('not-a-position');
    await appendAndAwait(10, () => url);
    await publishForeign('999999999999:999999999');
    await appendAndAwait(10, () => url);
    expect(await foreignCounted(url)).toBe(3);

    // A restart with foreign messages last on the stream: it resumes from its own last event.
    await publishForeign('999999999999:999999999');
    await publishForeign(null);
    await stopped(relay, 'SIGKILL');
    await store.appendToStream('sku-S0', [stockReceived('S0')]);
    appended++;
    url = `http://127.0.0.1:${port + 1}`;
    relay = relays.start(port + 1, { RELAY_STUCK_AFTER_MS: String(STUCK_AFTER_MS), RELAY_BATCH_SIZE: '20' });
    await appendAndAwait(10, () => url);
    expect(await foreignCounted(url)).toBe(2);
    await waitFor(async () => (await ready(url)).status === 200, 30_000, 'ready after the restart');

    // Publishing made impossible: the stream takes no more messages. Events wait in the log.
    const config = (await jsm.streams.info(streamName)).config;
    await jsm.streams.update(streamName, { ...config, max_msgs: (await jsm.streams.info(streamName)).state.messages, discard: DiscardPolicy.New });
    const blockedAt = Date.now();
    for (let i = 0; i < 5; i++, appended++) await store.appendToStream('sku-S1', [stockReceived('S1')]);
    await waitFor(async () => (await ready(url)).status === 503, 60_000, 'readiness 503 while the relay cannot publish');
    const stuck = await ready(url);
    console.log(`relay readiness turned 503 "stuck" ${Date.now() - blockedAt} ms after publishing became impossible (threshold ${STUCK_AFTER_MS} ms)`);
    expect(stuck.body.checks?.error?.['relayStuck']?.state).toBe('stuck');

    await jsm.streams.update(streamName, { ...config, max_msgs: -1, discard: DiscardPolicy.Old });
    const unblockedAt = Date.now();
    await waitFor(async () => (await relayedIds()).length >= appended, 60_000, 'the waiting events after publishing is possible again');
    await waitFor(async () => (await ready(url)).status === 200, 10_000, 'readiness 200 again');
    console.log(`relay caught up and readiness answered 200 again ${Date.now() - unblockedAt} ms after the stream took messages again`);
    await stopped(relay, 'SIGTERM');

    const log = await wholeLog();
    expect(log).toHaveLength(appended);
    expect(await relayedIds()).toEqual(log.map((e) => e.eventId));
    const ids = new Set(log.map((e) => e.eventId));
    expect((await streamMessages()).filter((m) => !ids.has(m.id))).toHaveLength(5);
  }, 300_000);
});
