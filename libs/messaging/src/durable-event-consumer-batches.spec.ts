// The consumer's batch mode against the real NATS JetStream and PostgreSQL: a batch commits with
// its external checkpoint (or its inbox marks) in one transaction and is acknowledged after the
// commit; poison in a batch is dead-lettered while the events around it are applied; a handler
// that fails after partial work, or a consumer that dies between its commit and its acks, leads to
// redeliveries that apply nothing twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { stockflowCatalog } from '@stockflow/contracts';
import { createPool, dropSchema, inTransaction, uniqueSchemaName } from '@stockflow/postgres';
import type { Pool } from 'pg';
import { AckBatcher } from './ack-batcher.js';
import { DeadLetterHeaders } from './dead-letter.js';
import { DurableEventConsumer, type BatchHandler, type BatchMode, type EventBatch } from './durable-event-consumer.js';
import { PoisonMessageError } from './handler-errors.js';
import { connectNats } from './nats-connection.js';
import { contextStreamSpec, deadLetterStreamSpec, ensureStream } from './stream-provisioning.js';
import { deleteNamespaceStreams, relayHeaders, testEnvelope, uniqueNamespace } from './testing/index.js';

const envelope = (quantity: number): Record<string, unknown> => testEnvelope('StockReceived', { sku: 'B', quantity });

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What one call of a batch handler saw, and whether it committed. */
interface Call {
  readonly events: number;
  readonly lastSequence: number;
  readonly committed: boolean;
  /** Events it found applied already (at or below the checkpoint, or marked in the inbox). */
  readonly skipped: number;
}

describe('DurableEventConsumer in batches (real NATS JetStream and PostgreSQL)', () => {
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let pool: Pool;
  const schema = uniqueSchemaName('t_batch');
  const namespace = uniqueNamespace();
  const scheme = { namespace };
  const stream = contextStreamSpec('inventory', scheme).name;
  /** Each test has an aggregate of its own on the inventory stream. */
  const subject = (aggregate: string): string => `${namespace}.inventory.${aggregate}.StockReceived`;
  const publish = async (aggregate: string, bodies: readonly (Record<string, unknown> | string)[]): Promise<void> => {
    for (const body of bodies) await js.publish(subject(aggregate), typeof body === 'string' ? body : JSON.stringify(body), { headers: relayHeaders() });
  };

  beforeAll(async () => {
    nc = await connectNats({ name: 'consumer-batches-spec' });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    await ensureStream(jsm, contextStreamSpec('inventory', scheme));
    pool = createPool({ max: 6 });
    await pool.query(`
      CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.applied (id bigserial, durable text NOT NULL, event_id text NOT NULL, quantity integer NOT NULL, sequence bigint NOT NULL);
      CREATE TABLE ${schema}.checkpoints (durable text PRIMARY KEY, sequence bigint NOT NULL DEFAULT 0);
      CREATE TABLE ${schema}.inbox (durable text NOT NULL, event_id text NOT NULL, PRIMARY KEY (durable, event_id));
    `);
  });
  afterAll(async () => {
    await deleteNamespaceStreams(nc, namespace);
    await nc.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  const applied = async (durable: string): Promise<{ event_id: string; quantity: number; sequence: number; times: number }[]> =>
    (
      await pool.query(
        `SELECT event_id, min(quantity) AS quantity, min(sequence)::int AS sequence, count(*)::int AS times FROM ${schema}.applied WHERE durable = $1 GROUP BY event_id ORDER BY min(sequence)`,
        [durable],
      )
    ).rows;
  const checkpointOf = async (durable: string): Promise<number> =>
    Number((await pool.query(`SELECT sequence FROM ${schema}.checkpoints WHERE durable = $1`, [durable])).rows[0]?.sequence ?? 0);
  const lastSequenceOf = async (aggregate: string): Promise<number> => {
    const info = await jsm.streams.info(stream, { subjects_filter: subject(aggregate) });
    return info.state.last_seq;
  };
  const settled = async (durable: string): Promise<boolean> => {
    const info = await jsm.consumers.info(stream, durable);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  };

  /** Starts `c`, waits until its checkpoint reaches the aggregate's last message and every message is acknowledged, stops it. */
  async function runUntilCaughtUp(c: DurableEventConsumer, durable: string, aggregate: string): Promise<number> {
    await c.start();
    const last = await lastSequenceOf(aggregate);
    await waitFor(async () => (await checkpointOf(durable)) === last, 'the checkpoint to reach the last message');
    await waitFor(() => settled(durable), 'every message acknowledged');
    await c.stop();
    return last;
  }

  async function insertApplied(client: Pick<Pool, 'query'>, durable: string, events: EventBatch['events']): Promise<void> {
    if (events.length === 0) return;
    await client.query(`INSERT INTO ${schema}.applied (durable, event_id, quantity, sequence) SELECT $1, * FROM unnest($2::text[], $3::int[], $4::bigint[])`, [
      durable,
      events.map((e) => e.eventId),
      events.map((e) => (e.data as { quantity: number }).quantity),
      events.map((e) => e.sequence),
    ]);
  }

  /**
   * A handler with an external checkpoint: in one transaction, reads the checkpoint FOR UPDATE,
   * applies the events above it, moves it to the batch's last sequence. Quantity 666 is refused.
   */
  function checkpointed(durable: string, calls: Call[]): BatchHandler {
    return async (batch) => {
      let skipped = 0;
      try {
        await inTransaction(pool, async (client) => {
          const { rows } = await client.query(`SELECT sequence FROM ${schema}.checkpoints WHERE durable = $1 FOR UPDATE`, [durable]);
          const checkpoint = Number(rows[0].sequence);
          const fresh = batch.events.filter((e) => e.sequence > checkpoint);
          skipped = batch.events.length - fresh.length;
          if (fresh.some((e) => (e.data as { quantity: number }).quantity === 666)) throw new PoisonMessageError('666 is refused by this handler');
          await insertApplied(client, durable, fresh);
          if (batch.lastSequence > checkpoint) await client.query(`UPDATE ${schema}.checkpoints SET sequence = $2 WHERE durable = $1`, [durable, batch.lastSequence]);
        });
      } catch (error) {
        calls.push({ events: batch.events.length, lastSequence: batch.lastSequence, committed: false, skipped });
        throw error;
      }
      calls.push({ events: batch.events.length, lastSequence: batch.lastSequence, committed: true, skipped });
    };
  }

  /** A handler with inbox marks: the batch's marks and its effects commit in one transaction. */
  function inboxed(durable: string, calls: Call[]): BatchHandler {
    return async (batch) => {
      await inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ event_id: string }>(
          `INSERT INTO ${schema}.inbox (durable, event_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING event_id`,
          [durable, batch.events.map((e) => e.eventId)],
        );
        const fresh = new Set(rows.map((r) => r.event_id));
        await insertApplied(client, durable, batch.events.filter((e) => fresh.has(e.eventId)));
        calls.push({ events: batch.events.length, lastSequence: batch.lastSequence, committed: true, skipped: batch.events.length - fresh.size });
      });
    };
  }

  const startingCheckpoint = (durable: string) => async (): Promise<number> => {
    await pool.query(`INSERT INTO ${schema}.checkpoints (durable) VALUES ($1) ON CONFLICT DO NOTHING`, [durable]);
    return checkpointOf(durable);
  };

  function consumer(durable: string, aggregate: string, batch: BatchMode, extra: { connection?: NatsConnection; acks?: AckBatcher; ackWaitMs?: number } = {}): DurableEventConsumer {
    const connection = extra.connection;
    return new DurableEventConsumer({
      js: connection ? jetstream(connection) : js,
      jsm,
      catalog: stockflowCatalog,
      stream,
      durable,
      filterSubject: subject(aggregate),
      batch,
      scheme,
      retry: { maxDeliveries: 4, backoffMs: [50] },
      ackWaitMs: extra.ackWaitMs ?? 5000,
      acks: extra.acks,
    });
  }

  it('commits each batch with its checkpoint in one transaction, and acknowledges only after the commit', async () => {
    const durable = 'batch-commit';
    const calls: Call[] = [];
    const handler = checkpointed(durable, calls);
    let pendingDuringFirstBatch = -1;
    const c = consumer(durable, 'commit', {
      checkpoint: startingCheckpoint(durable),
      handler: async (batch) => {
        if (pendingDuringFirstBatch < 0) pendingDuringFirstBatch = (await jsm.consumers.info(stream, durable)).num_ack_pending;
        await handler(batch);
      },
    });
    await publish('commit', Array.from({ length: 300 }, (_, i) => envelope(i + 1)));
    await runUntilCaughtUp(c, durable, 'commit');
    const rows = await applied(durable);
    expect(rows).toHaveLength(300);
    expect(rows.every((r) => r.times === 1)).toBe(true);
    expect(rows.map((r) => r.quantity)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // Batches, not messages: fewer transactions than events, and the first one held its messages unacknowledged.
    expect(calls.every((call) => call.committed)).toBe(true);
    expect(calls.length).toBeLessThan(300);
    expect(Math.max(...calls.map((call) => call.events))).toBeGreaterThan(1);
    expect(pendingDuringFirstBatch).toBeGreaterThanOrEqual(calls[0]!.events);
    console.log(`batch mode: 300 events in ${calls.length} transactions (largest batch ${Math.max(...calls.map((call) => call.events))})`);
  });

  it('dead-letters a poison event of a batch with the usual headers and applies the events around it', async () => {
    const durable = 'batch-poison';
    const calls: Call[] = [];
    const c = consumer(durable, 'poison', { checkpoint: startingCheckpoint(durable), handler: checkpointed(durable, calls) });
    const before = Array.from({ length: 40 }, (_, i) => envelope(i + 1));
    const after = Array.from({ length: 40 }, (_, i) => envelope(i + 101));
    await publish('poison', [...before, envelope(666), '{ this is not json', ...after, envelope(666)]);
    const last = await runUntilCaughtUp(c, durable, 'poison');
    const rows = await applied(durable);
    expect(rows.map((r) => r.quantity)).toEqual([...Array.from({ length: 40 }, (_, i) => i + 1), ...Array.from({ length: 40 }, (_, i) => i + 101)]);
    expect(rows.every((r) => r.times === 1)).toBe(true);
    const dlq = deadLetterStreamSpec(scheme).name;
    const letters: { reason: string; consumer: string; sequence: number; body: string }[] = [];
    const info = await jsm.streams.info(dlq);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(dlq, { seq }).catch(() => null);
      if (m?.header.get(DeadLetterHeaders.consumer) !== durable) continue;
      letters.push({ reason: m.header.get(DeadLetterHeaders.reason), consumer: m.header.get(DeadLetterHeaders.consumer), sequence: Number(m.header.get(DeadLetterHeaders.sourceSequence)), body: m.string() });
    }
    expect(letters.map((l) => l.reason).sort()).toEqual(['malformed-message', 'rejected-by-handler', 'rejected-by-handler']);
    expect(letters.find((l) => l.reason === 'malformed-message')!.body).toBe('{ this is not json');
    expect(Math.max(...letters.map((l) => l.sequence))).toBe(last);
    // The whole batch failed once, was split, and the refused event alone failed.
    expect(calls.some((call) => !call.committed && call.events > 1)).toBe(true);
    expect(calls.filter((call) => !call.committed && call.events === 1)).toHaveLength(2);
  });

  it('after a handler fails having committed part of a batch, the redelivered events it applied are skipped', async () => {
    const durable = 'batch-partial';
    const calls: Call[] = [];
    const handler = checkpointed(durable, calls);
    let failedOnce = false;
    const c = consumer(durable, 'partial', {
      checkpoint: startingCheckpoint(durable),
      handler: async (batch) => {
        if (!failedOnce && batch.events.length >= 10) {
          // Commits the first half with its checkpoint, then fails: the consumer sees a failed batch.
          failedOnce = true;
          const half = batch.events.slice(0, Math.ceil(batch.events.length / 2));
          await handler({ events: half, lastSequence: half[half.length - 1]!.sequence });
          throw new Error('connection lost after the commit');
        }
        await handler(batch);
      },
    });
    await publish('partial', Array.from({ length: 100 }, (_, i) => envelope(i + 1)));
    await runUntilCaughtUp(c, durable, 'partial');
    expect(failedOnce).toBe(true);
    const rows = await applied(durable);
    expect(rows.map((r) => r.quantity)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(rows.every((r) => r.times === 1)).toBe(true);
    expect(calls.reduce((n, call) => n + call.skipped, 0)).toBeGreaterThan(0);
  });

  it('retries a transient failure in place: nothing behind it overtakes it, nothing is dead-lettered', async () => {
    const durable = 'batch-transient';
    const calls: Call[] = [];
    const handler = checkpointed(durable, calls);
    let failures = 0;
    const c = consumer(durable, 'transient', {
      checkpoint: startingCheckpoint(durable),
      handler: async (batch) => {
        if (failures < 3 && batch.events.some((e) => (e.data as { quantity: number }).quantity === 30)) {
          failures++;
          throw new Error('database briefly unavailable');
        }
        await handler(batch);
      },
    });
    await publish('transient', Array.from({ length: 60 }, (_, i) => envelope(i + 1)));
    await runUntilCaughtUp(c, durable, 'transient');
    expect(failures).toBe(3);
    const inCommitOrder = (await pool.query(`SELECT quantity FROM ${schema}.applied WHERE durable = $1 ORDER BY id`, [durable])).rows.map((r) => r.quantity);
    expect(inCommitOrder).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const dlq = await jsm.streams.info(deadLetterStreamSpec(scheme).name, { subjects_filter: `${namespace}.dlq.${durable}` });
    expect(dlq.state.subjects?.[`${namespace}.dlq.${durable}`] ?? 0).toBe(0);
  });

  /**
   * Runs a consumer on a connection of its own until its handler has committed a batch, then kills
   * it there: the handler never returns (no ack is sent) and the connection is closed, as when the
   * process dies between its COMMIT and its acks.
   */
  async function crashAfterFirstCommit(durable: string, aggregate: string, batch: (handler: BatchHandler) => BatchMode, handler: BatchHandler, ackWaitMs?: number): Promise<void> {
    const connection = await connectNats({ name: 'consumer-batches-spec-doomed' });
    let committed!: () => void;
    const firstCommit = new Promise<void>((resolve) => (committed = resolve));
    const doomed = consumer(
      durable,
      aggregate,
      batch(async (b) => {
        await handler(b);
        committed();
        await new Promise<never>(() => undefined);
      }),
      { connection, acks: new AckBatcher(), ackWaitMs },
    );
    await doomed.start();
    await firstCommit;
    await connection.close();
  }

  it('a consumer killed between its commit and its acks: the restart at the external checkpoint applies nothing twice', async () => {
    const durable = 'batch-crash-checkpoint';
    const calls: Call[] = [];
    const mode = (handler: BatchHandler): BatchMode => ({ checkpoint: startingCheckpoint(durable), handler });
    await publish('crashcp', Array.from({ length: 200 }, (_, i) => envelope(i + 1)));
    await crashAfterFirstCommit(durable, 'crashcp', mode, checkpointed(durable, calls));
    const committedBefore = await checkpointOf(durable);
    expect(committedBefore).toBeGreaterThan(0);
    expect((await jsm.consumers.info(stream, durable)).num_ack_pending + (await jsm.consumers.info(stream, durable)).num_pending).toBeGreaterThan(0);
    await publish('crashcp', Array.from({ length: 20 }, (_, i) => envelope(i + 201)));
    const restarted = consumer(durable, 'crashcp', mode(checkpointed(durable, calls)));
    await runUntilCaughtUp(restarted, durable, 'crashcp');
    const rows = await applied(durable);
    expect(rows.map((r) => r.quantity)).toEqual(Array.from({ length: 220 }, (_, i) => i + 1));
    expect(rows.every((r) => r.times === 1)).toBe(true);
  });

  it('a consumer killed between its commit and its acks: the redelivered batch finds its inbox marks and applies nothing twice', async () => {
    const durable = 'batch-crash-inbox';
    const calls: Call[] = [];
    const mode = (handler: BatchHandler): BatchMode => ({ handler });
    await publish('crashinbox', Array.from({ length: 200 }, (_, i) => envelope(i + 1)));
    await crashAfterFirstCommit(durable, 'crashinbox', mode, inboxed(durable, calls), 1000);
    const firstBatch = calls[0]!.events;
    await publish('crashinbox', Array.from({ length: 20 }, (_, i) => envelope(i + 201)));
    const restarted = consumer(durable, 'crashinbox', mode(inboxed(durable, calls)), { ackWaitMs: 1000 });
    await restarted.start();
    await waitFor(async () => (await applied(durable)).length === 220, 'all 220 events applied');
    // The dead consumer's unacknowledged batch comes back after the ack wait: its marks skip it.
    await waitFor(() => calls.reduce((n, call) => n + call.skipped, 0) >= firstBatch, 'the redelivered batch to be skipped');
    await waitFor(() => settled(durable), 'every message acknowledged');
    await restarted.stop();
    const rows = await applied(durable);
    expect(rows.map((r) => r.quantity)).toEqual(Array.from({ length: 220 }, (_, i) => i + 1));
    expect(rows.every((r) => r.times === 1)).toBe(true);
  });
});
