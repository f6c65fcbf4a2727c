// The projections service run in-process against the real PostgreSQL and NATS, in a schema and a
// subject namespace of its own; the test publishes envelopes straight onto the context streams, as
// the relays would.
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { EventEnvelope } from '@stockflow/contracts';
import { connectNats, contextStreamSpec, ensureStream, type NatsConnection } from '@stockflow/messaging';
import { relayHeaders } from '@stockflow/messaging/testing';
import { loadConfig } from '@stockflow/platform';
import { createPool } from '@stockflow/postgres';
import { fetchJson, IN_PROCESS, newIsolation, publishAsRelay, removeIsolation, testEnvelope, type JsonAnswer, TEST_RATE_LIMIT_ENV } from '@stockflow/testing';
import type { Pool } from 'pg';
import { ProjectionsConfig } from '../projections-config.js';
import { startProjectionsService, type RunningProjections } from '../projections.service.js';

let globalPosition = 0;

export function envelope(type: string, data: unknown, streamId: string, occurredAt = new Date().toISOString()): EventEnvelope {
  return testEnvelope(type, data, streamId, { globalPosition: ++globalPosition, occurredAt });
}

export class ProjectionsTestSystem {
  running: RunningProjections | null = null;

  private constructor(
    readonly schema: string,
    readonly namespace: string,
    readonly pool: Pool,
    readonly nats: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
  ) {}

  static async start(): Promise<ProjectionsTestSystem> {
    const { schema, namespace } = newIsolation('t_proj');
    const pool = createPool({ max: 3 });
    const nats = await connectNats({ name: 'projections-spec' });
    const system = new ProjectionsTestSystem(schema, namespace, pool, nats, jetstream(nats), await jetstreamManager(nats));
    for (const context of ['inventory', 'orders', 'carts', 'notifications']) await ensureStream(system.jsm, contextStreamSpec(context, { namespace }));
    await system.startService();
    return system;
  }

  get url(): string {
    if (!this.running) throw new Error('projections service not running');
    return this.running.url;
  }

  async startService(): Promise<RunningProjections> {
    const config = loadConfig(ProjectionsConfig, { ...process.env, DB_SCHEMA: this.schema, NATS_NAMESPACE: this.namespace, LOG_LEVEL: 'warn', PORT: '3005', ...TEST_RATE_LIMIT_ENV });
    this.running = await startProjectionsService(config, IN_PROCESS);
    return this.running;
  }

  async stopService(): Promise<void> {
    await this.running?.stop();
    this.running = null;
  }

  /** Publishes as a relay does: subject by context/aggregate/type, Nats-Msg-Id = eventId. */
  async publish(context: string, aggregate: string, events: readonly EventEnvelope[], window = 500): Promise<void> {
    for (let i = 0; i < events.length; i += window) {
      await Promise.all(events.slice(i, i + window).map((e) => publishAsRelay(this.js, this.namespace, context, aggregate, e)));
    }
  }

  async publishRaw(subject: string, body: string): Promise<void> {
    await this.js.publish(`${this.namespace}.${subject}`, body, { headers: relayHeaders() });
  }

  get<T = unknown>(path: string): Promise<JsonAnswer<T>> {
    return fetchJson<T>('GET', `${this.url}${path}`);
  }

  async stop(): Promise<void> {
    await this.stopService().catch(() => undefined);
    await removeIsolation(this, { pool: this.pool, nats: this.nats });
    await this.nats.close();
    await this.pool.end();
  }
}
