// Two replicas of a context's relay (ADR 0043): one leads by the context's PostgreSQL lock, the
// other stands by; the leader is killed hard mid-stream and the standby takes over within seconds,
// with every event on JetStream exactly once, in log order.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openRelayTestLog, stockReceived, stopped, streamAgainstLog, waitFor, type RelayTestLog } from './testing/relay-process.js';

async function leaderGauge(port: number): Promise<number | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const match = /^relay_leader (\d+)/m.exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

describe('relay replicas: one leads, the other takes over when it dies', () => {
  let log: RelayTestLog;

  beforeAll(async () => {
    log = await openRelayTestLog({ schemaPrefix: 't_relay', name: 'relay-replicas-spec', poolMax: 30 });
  });
  afterAll(() => log?.close());

  it('relays through one replica at a time and, after a SIGKILL of the leader, through the other: every event once, in order', async () => {
    const { store, jsm, streamName } = log;
    const stored = async (): Promise<number> => {
      log.relays.assertNoneExitedEarly();
      return jsm.streams.info(streamName).then((i) => i.state.messages, () => 0);
    };
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = { RELAY_BATCH_SIZE: '50', RELAY_ELECTION_INTERVAL_MS: '200' };
    const replicas = [log.relays.start(port, env), log.relays.start(port + 1, env)];
    const ports = [port, port + 1];
    await waitFor(async () => (await Promise.all(ports.map(leaderGauge))).every((g) => g !== null), 30_000, 'both replicas to serve /metrics');
    await waitFor(async () => (await Promise.all(ports.map(leaderGauge))).filter((g) => g === 1).length === 1, 10_000, 'one replica to lead');
    await new Promise((r) => setTimeout(r, 600)); // three election intervals: the other must stay a standby
    const gauges = await Promise.all(ports.map(leaderGauge));
    expect(gauges.sort()).toEqual([0, 1]);
    const leader = (await leaderGauge(port)) === 1 ? 0 : 1;
    const standby = 1 - leader;

    const writers = 10;
    const perWriter = 150;
    const writing = Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) await store.appendToStream(`sku-r${w}`, [stockReceived(`r${w}`, i + 1)]);
      }),
    );
    await waitFor(async () => (await stored()) >= 300, 30_000, 'the leader to publish 300 events');
    await stopped(replicas[leader]!, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(async () => (await leaderGauge(ports[standby]!)) === 1, 15_000, 'the standby to lead');
    const takeoverMs = Date.now() - killedAt;
    await writing;
    const total = writers * perWriter;
    await waitFor(async () => (await stored()) >= total, 60_000, 'the new leader to catch up');
    await new Promise((r) => setTimeout(r, 500));
    await stopped(replicas[standby]!, 'SIGTERM');

    const { written, messages, published, positions } = await streamAgainstLog(log);
    expect(messages).toBe(total);
    expect(published).toEqual(written.map((e) => e.eventId));
    expect(positions).toEqual(written.map((e) => e.logPosition));
    console.info(`relay replicas: the standby led ${takeoverMs} ms after the leader was killed (election interval 200 ms); ${total} events once, in order`);
  }, 120_000);
});
