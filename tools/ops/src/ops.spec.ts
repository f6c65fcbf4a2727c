// The operator CLI against real NATS, driven as a process (the built `stockflow` bin) the way an
// operator runs it: consumers with their lag, dead letters with their reasons, and the end-to-end
// replay — poison events dead-lettered by a real DurableEventConsumer, the handler fixed, `replay`
// sends them back and each reaches the handler exactly once — and a purge that asks first.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { stockflowCatalog } from '@stockflow/contracts';
import {
  PoisonMessageError,
  connectNats,
  contextStreamSpec,
  deadLetterStreamSpec,
  ensureStream,
  replayStreamSpec,
  withReplaySide,
  type DurableEventConsumer,
  type ReceivedEvent,
} from '@stockflow/messaging';
import { deleteNamespaceStreams, relayHeaders, testEnvelope, uniqueNamespace } from '@stockflow/messaging/testing';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const DURABLE = 'ops-spec-reservations';

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('stockflow (the operator CLI) on real NATS', () => {
  const namespace = uniqueNamespace();
  const scheme = { namespace };
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let consumers: DurableEventConsumer[] = [];
  let fixed = false;
  const handled = new Map<string, number>();
  const sent: string[] = [];

  const stockflow = (...args: string[]) => {
    const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NATS_NAMESPACE: namespace }, input: '', timeout: 30_000 });
    return { code: run.status, out: run.stdout, err: run.stderr };
  };
  const json = <T>(...args: string[]): T => {
    const run = stockflow(...args, '--json');
    expect([args.join(' '), run.code, run.err]).toEqual([args.join(' '), 0, '']);
    return JSON.parse(run.out) as T;
  };
  const deadLetterCount = async () => (await jsm.streams.info(deadLetterStreamSpec(scheme).name, { subjects_filter: '>' })).state.subjects?.[`${namespace}.dlq.${DURABLE}`] ?? 0;
  const publish = async (quantity: number) => {
    const envelope = testEnvelope('StockReceived', { sku: 'OPS-1', quantity });
    sent.push(envelope['eventId'] as string);
    await jetstream(nc).publish(`${namespace}.inventory.sku.StockReceived`, JSON.stringify(envelope), { headers: relayHeaders(sent.length) });
  };

  beforeAll(async () => {
    nc = await connectNats({ name: 'ops-spec' });
    jsm = await jetstreamManager(nc);
    await ensureStream(jsm, contextStreamSpec('inventory', scheme));
    // A second durable nobody reads: its lag is what `consumers` must show.
    await jsm.consumers.add(contextStreamSpec('inventory', scheme).name, { durable_name: 'ops-spec-idle', ack_policy: AckPolicy.Explicit });
    const handlers = new Map([
      [
        'StockReceived',
        async (event: ReceivedEvent) => {
          if (!fixed) throw new PoisonMessageError(`quantity ${(event.data as { quantity: number }).quantity} is not handled yet`);
          handled.set(event.eventId, (handled.get(event.eventId) ?? 0) + 1);
        },
      ],
    ]);
    consumers = withReplaySide({
      js: jetstream(nc),
      jsm,
      catalog: stockflowCatalog,
      stream: contextStreamSpec('inventory', scheme).name,
      sourceStream: contextStreamSpec('inventory', scheme),
      durable: DURABLE,
      filterSubject: `${namespace}.inventory.sku.>`,
      scheme,
      handlers,
    });
    for (const consumer of consumers) await consumer.start();
  });

  afterAll(async () => {
    for (const consumer of consumers) await consumer.stop();
    await deleteNamespaceStreams(nc, namespace);
    await nc.close();
  });

  it('lists the streams, and the consumers with their lag', async () => {
    await publish(1);
    await publish(2);
    await publish(3);
    await until(async () => (await deadLetterCount()) === 3, 'three dead letters');
    const streams = json<Array<{ stream: string; messages: number }>>('streams');
    expect(streams.map((s) => s.stream)).toEqual(expect.arrayContaining([contextStreamSpec('inventory', scheme).name, deadLetterStreamSpec(scheme).name, replayStreamSpec(scheme).name]));
    const rows = json<Array<{ consumer: string; pending: number; ackPending: number }>>('consumers');
    expect(rows.find((r) => r.consumer === 'ops-spec-idle')).toMatchObject({ pending: 3, ackPending: 0 });
    expect(rows.find((r) => r.consumer === DURABLE && r.pending === 0)).toBeDefined();
    const text = stockflow('consumers');
    expect(text.out).toMatch(/consumer\s+filter\s+pending/);
    expect(text.out).toMatch(/ops-spec-idle/);
  });

  it('shows dead letters with their reasons, per consumer and one by one', () => {
    const summary = json<Array<{ consumer: string; count: number; lastReason: string }>>('dead-letters');
    expect(summary).toEqual([expect.objectContaining({ consumer: DURABLE, count: 3, lastReason: 'rejected-by-handler' })]);
    const letters = json<Array<{ seq: number; reason: string; error: string; eventId: string; eventType: string }>>('dead-letters', DURABLE);
    expect(letters.map((l) => l.eventId)).toEqual(sent);
    for (const letter of letters) expect(letter).toMatchObject({ reason: 'rejected-by-handler', eventType: 'StockReceived', error: expect.stringContaining('is not handled yet') });
  });

  it('replays only what was dead-lettered before it began: a message that fails again is dead-lettered anew, not replayed in a loop', async () => {
    const before = json<Array<{ seq: number; eventId: string }>>('dead-letters', DURABLE);
    expect(before).toHaveLength(3);
    const replay = json<{ replayed: number; seqs: number[] }>('replay', DURABLE, '--all');
    expect(replay).toEqual({ replayed: 3, seqs: before.map((l) => l.seq) });
    // Still poison: each comes back once, under a new sequence, with its reason.
    await until(async () => (await deadLetterCount()) === 3, 'the three given up again');
    await new Promise((r) => setTimeout(r, 500));
    const after = json<Array<{ seq: number; eventId: string; reason: string }>>('dead-letters', DURABLE);
    expect(after.map((l) => l.eventId)).toEqual(sent);
    expect(Math.min(...after.map((l) => l.seq))).toBeGreaterThan(Math.max(...before.map((l) => l.seq)));
    expect(handled.size).toBe(0);
  });

  it('replays one dead letter, then all, to the fixed handler: each reaches it exactly once and the dead letters are gone', async () => {
    fixed = true;
    const letters = json<Array<{ seq: number; eventId: string }>>('dead-letters', DURABLE);
    const one = json<{ replayed: number; seqs: number[] }>('replay', DURABLE, '--seq', String(letters[0]!.seq));
    expect(one).toEqual({ replayed: 1, seqs: [letters[0]!.seq] });
    await until(() => handled.get(letters[0]!.eventId) === 1, 'the first replayed event handled');
    expect(await deadLetterCount()).toBe(2);

    const rest = stockflow('replay', DURABLE, '--all');
    expect([rest.code, rest.out.trim()]).toEqual([0, `replayed 2 dead letter(s) to ${DURABLE}: ${letters[1]!.seq}, ${letters[2]!.seq}`]);
    await until(() => sent.every((id) => handled.get(id) === 1), 'every replayed event handled');
    expect(await deadLetterCount()).toBe(0);
    expect(stockflow('replay', DURABLE, '--all').out.trim()).toBe(`nothing to replay for ${DURABLE}`);
    // Nothing came twice, and the other consumer of the stream saw no replay.
    await new Promise((r) => setTimeout(r, 500));
    expect([...handled.values()]).toEqual([1, 1, 1]);
    expect(json<Array<{ consumer: string; pending: number }>>('consumers').find((r) => r.consumer === 'ops-spec-idle')?.pending).toBe(3);
  });

  it('refuses bad usage with a clear line and exit code 2', () => {
    expect(stockflow('replay', DURABLE)).toMatchObject({ code: 2, err: expect.stringContaining('exactly one of --seq N') });
    expect(stockflow('replay', DURABLE, '--seq', 'x')).toMatchObject({ code: 2, err: expect.stringContaining('--seq must be') });
    expect(stockflow('frobnicate')).toMatchObject({ code: 2, err: expect.stringContaining('unknown command frobnicate') });
    expect(stockflow('replay', DURABLE, '--seq', '999999')).toMatchObject({ code: 1, err: expect.stringContaining(`no dead letter 999999 of ${DURABLE}`) });
  });

  it('purges only with confirmation: refused without a terminal and without --yes, done with --yes', async () => {
    fixed = false;
    await publish(4);
    await until(async () => (await deadLetterCount()) === 1, 'a new dead letter');
    const refused = stockflow('purge', DURABLE);
    expect(refused).toMatchObject({ code: 2, err: expect.stringContaining('confirm with --yes') });
    expect(await deadLetterCount()).toBe(1);
    expect(json<{ purged: number }>('purge', DURABLE, '--yes')).toEqual({ purged: 1 });
    expect(await deadLetterCount()).toBe(0);
  });
});
