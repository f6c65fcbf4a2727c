import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, HttpCode, Module, Param, Post, Res } from '@nestjs/common';
import { CommandHandler, type Decider } from '@stockflow/event-sourcing';
import { contractTestCatalog } from '@stockflow/event-sourcing/testing';
import { createPool, dropSchema, PostgresEventStore, uniqueSchemaName } from '@stockflow/postgres';
import { IsInt, Min } from 'class-validator';
import type { Pool, PoolClient } from 'pg';
import request from 'supertest';
import { createService, type Service } from '../bootstrap.js';
import { BaseServiceConfig } from '../config/base-service-config.js';
import { HttpIdempotencyStore } from './http-idempotency-store.js';

// The Idempotency-Key result is recorded in the transaction of the command's append (ADR 0022):
// shown here in-process with the real PostgreSQL event store; the crash of a real process between
// the append and the answer is in apps/orders (idempotency-crash.spec.ts).

type Increment = { by: number };
type Incremented = { type: 'CounterIncremented'; data: { n: number } };
const counter: Decider<Increment, Incremented, { total: number }> = {
  initialState: () => ({ total: 0 }),
  evolve: (state, event) => ({ total: state.total + event.data.n }),
  decide: (command) => [{ type: 'CounterIncremented', data: { n: command.by } }],
};

class AddDto {
  @IsInt()
  @Min(1)
  amount!: number;
}

let handler: CommandHandler<Increment, Incremented, { total: number }, PoolClient>;
/** The next request, after its append, waits here until the test opens the gate. */
let gate: { entered: () => void; open: Promise<void> } | null = null;

@Controller('tallies')
class TalliesController {
  @Post(':id')
  @HttpCode(202)
  async add(@Param('id') id: string, @Body() body: AddDto, @Res({ passthrough: true }) reply: { header(n: string, v: string): void }): Promise<{ version: number }> {
    const result = await handler.handle(`counter-${id}`, { by: body.amount }, { metadata: { correlationId: 'c', causationId: null, traceparent: null } });
    const held = gate;
    gate = null;
    if (held) {
      held.entered();
      await held.open;
    }
    reply.header('location', `/tallies/${id}`);
    return { version: result.version };
  }
}

@Module({ controllers: [TalliesController] })
class TalliesModule {}

/** Holds the next request after its append; resolves `entered` when it got there. */
function holdNextRequest(): { entered: Promise<void>; open: () => void } {
  let entered!: () => void;
  let open!: () => void;
  const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
  gate = { entered, open: new Promise<void>((resolve) => (open = resolve)) };
  return { entered: enteredPromise, open };
}

const LEASE_MS = 1_500;

describe('Idempotency-Key: lease and result in the command transaction (real PostgreSQL)', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  let service: Service;
  const schema = uniqueSchemaName('t_idem_lease');
  const table = `${schema}.http_idempotency`;

  beforeAll(async () => {
    pool = createPool({ max: 6 });
    store = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog });
    handler = new CommandHandler(store, contractTestCatalog, counter);
    const config = Object.assign(new BaseServiceConfig(), { PORT: 1, DB_SCHEMA: schema });
    service = await createService({
      name: 'idempotency-lease',
      module: TalliesModule,
      config,
      idempotency: await HttpIdempotencyStore.create(pool, schema, { leaseMs: LEASE_MS }),
      shutdownHooks: false,
      logDestination: { write: () => true } as never,
    });
    await service.init();
  });
  afterAll(async () => {
    await service.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  // Sent at once (a supertest request starts only when awaited).
  const post = (id: string, key: string) =>
    request(service.app.getHttpServer())
      .post(`/tallies/${id}`)
      .set('Idempotency-Key', key)
      .send({ amount: 1 })
      .then((res) => res);
  const version = async (id: string) => (await store.readStream(`counter-${id}`)).currentVersion;
  const row = async (key: string) => (await pool.query<{ status: number | null; owner: string }>(`SELECT status, owner FROM ${table} WHERE idempotency_key = $1`, [key])).rows[0];

  it('commits the events and the recorded result together: neither is visible before the answer', async () => {
    const held = holdNextRequest();
    const pending = post('a', 'key-a');
    await held.entered;
    expect(await version('a')).toBe(0); // appended, not committed
    expect((await row('key-a'))!.status).toBeNull();
    held.open();
    const first = await pending;
    expect(first.status).toBe(202);
    expect(await version('a')).toBe(1);
    expect((await row('key-a'))!.status).toBe(202);
    const replay = await post('a', 'key-a');
    expect(replay.status).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.location).toBe('/tallies/a');
    expect(await version('a')).toBe(1);
  });

  it('answers 409 with Retry-After while the owner holds its lease', async () => {
    const held = holdNextRequest();
    const pending = post('b', 'key-b');
    await held.entered;
    const concurrent = await post('b', 'key-b');
    expect(concurrent.status).toBe(409);
    expect(concurrent.headers['content-type']).toContain('application/problem+json');
    expect(concurrent.body.type).toContain('idempotency-key-in-progress');
    expect(Number(concurrent.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    held.open();
    expect((await pending).status).toBe(202);
    expect(await version('b')).toBe(1);
  });

  it('takes over a key whose lease ended; the slow owner can then neither record nor commit', async () => {
    const held = holdNextRequest();
    const slow = post('c', 'key-c');
    await held.entered;
    const slowOwner = (await row('key-c'))!.owner;
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 200));
    // The lease ended: this one claims the key and runs (its append waits for the slow owner's
    // transaction, which holds the stream's row).
    const takeover = post('c', 'key-c');
    for (let tries = 0; (await row('key-c'))!.owner === slowOwner; tries++) {
      if (tries > 200) throw new Error('the key was not taken over');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    held.open();
    const [late, taken] = await Promise.all([slow, takeover]);
    // Its claim was taken over: its append rolled back. 409 when it got to recording; 503 when
    // PostgreSQL had already ended its transaction, idle for longer than the lease.
    expect([409, 503]).toContain(late.status);
    expect(late.headers['content-type']).toContain('application/problem+json');
    expect(taken.status).toBe(202);
    expect(await version('c')).toBe(1); // applied once, by the request that took over
    const replay = await post('c', 'key-c');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(taken.body);
  });

  it('frees the key when the result cannot be recorded, with the command rolled back', async () => {
    const held = holdNextRequest();
    const pending = post('d', 'key-d');
    await held.entered;
    // Another owner holds the claim now (as after a takeover): recording fails, so must the command.
    await pool.query(`UPDATE ${table} SET owner = 'someone-else', lease_expires_at = clock_timestamp() - interval '1 second' WHERE idempotency_key = 'key-d'`);
    held.open();
    expect((await pending).status).toBe(409);
    expect(await version('d')).toBe(0);
    const retry = await post('d', 'key-d'); // the other owner's lease ended: the retry runs, once
    expect(retry.status).toBe(202);
    expect(await version('d')).toBe(1);
  });
});
