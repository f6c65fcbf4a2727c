// An Idempotency-Key request whose result cannot be recorded after its command ran: PostgreSQL
// refuses the result's write once (a trigger of the test's own, the fault at that exact line). On
// PostgreSQL the command's events roll back with it; on EventStoreDB (no transaction to share) they
// are already stored. Either way the client's retry with the same key must place the order once,
// under the same id (ADR 0022, 0046). Runs on both logs (jest.eventstoredb.js).
import { describe, expect, it } from '@jest/globals';
import { OrdersTestSystem } from '../testing/orders-test-system.js';

describe('an Idempotency-Key request whose result is lost after its command (real PostgreSQL and NATS)', () => {
  let system: OrdersTestSystem;
  OrdersTestSystem.forSuite((started) => (system = started));

  /** Makes the next write of a result for `key` fail, once (a sequence: its count survives the rollback). */
  async function refuseResultOnce(key: string): Promise<void> {
    const s = `"${system.schema}"`;
    await system.pool.query(`
      CREATE SEQUENCE ${s}.refused_results;
      CREATE FUNCTION ${s}.refuse_result_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status IS NOT NULL AND NEW.idempotency_key = '${key}' AND nextval('${s}.refused_results') = 1 THEN
          RAISE EXCEPTION 'test fault: the result of % is not recorded', NEW.idempotency_key;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_result_once BEFORE UPDATE ON ${s}.http_idempotency FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_result_once();`);
  }

  async function placedFor(customerId: string): Promise<string[]> {
    const placed: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await system.store.readAll({ after, maxCount: 500 });
      if (page.length === 0) return placed;
      for (const event of page) if (event.type === 'OrderPlaced' && (event.data as { customerId: string }).customerId === customerId) placed.push(event.streamId);
      after = page[page.length - 1]!.logPosition;
    }
  }

  it('the retry answers as a first run would and the order is in the log once, under the id the first run chose', async () => {
    system.inventory.stock('SKU-LOST', 5);
    const key = 'result-lost-1';
    await refuseResultOnce(key);
    const body = { customerId: 'customer-lost', lines: [{ sku: 'SKU-LOST', quantity: 1 }] };

    const failed = await system.http.post('/orders').set('idempotency-key', key).send(body);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.headers['content-type']).toContain('application/problem+json');
    const storedAfterFailure = await placedFor('customer-lost');
    const onEventStoreDb = system.service.infrastructure.logLocation.kind === 'eventstoredb';
    // PostgreSQL rolled the order back with its result; EventStoreDB kept it.
    expect(storedAfterFailure).toHaveLength(onEventStoreDb ? 1 : 0);

    const retry = await system.http.post('/orders').set('idempotency-key', key).send(body);
    expect(retry.status).toBe(202);
    const { orderId } = retry.body as { orderId: string };
    expect(retry.headers['location']).toBe(`/orders/${orderId}`);
    expect(await placedFor('customer-lost')).toEqual([`order-${orderId}`]);
    if (onEventStoreDb) expect(storedAfterFailure).toEqual([`order-${orderId}`]);

    // A third try replays the recorded result; the order goes its way once.
    const replay = await system.http.post('/orders').set('idempotency-key', key).send(body);
    expect(replay.status).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual({ orderId });
    await system.orderReaches(orderId, 'confirmed');
    expect(await placedFor('customer-lost')).toEqual([`order-${orderId}`]);
  }, 60_000);
});
