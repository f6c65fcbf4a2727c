import type { CheckpointStore } from '@stockflow/event-sourcing';
import type { ClientBase, Pool } from 'pg';
import { checkpointStoreMigrations } from './event-store-migrations.js';
import { migrate, quoteSchema } from './migrator.js';

/** Checkpoints in `<schema>.checkpoints` (see `checkpointStoreMigrations`). */
export class PostgresCheckpointStore implements CheckpointStore {
  private readonly loadSql: string;
  private readonly saveSql: string;

  /** Creates the checkpoints table if missing; the constructor alone assumes it exists. */
  static async create(pool: Pool, schema: string): Promise<PostgresCheckpointStore> {
    await migrate(pool, schema, checkpointStoreMigrations);
    return new PostgresCheckpointStore(pool, schema);
  }

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    const s = quoteSchema(schema);
    this.loadSql = `SELECT log_position FROM ${s}.checkpoints WHERE subscriber = $1`;
    this.saveSql = `
      INSERT INTO ${s}.checkpoints (subscriber, log_position) VALUES ($1, $2)
      ON CONFLICT (subscriber) DO UPDATE SET log_position = excluded.log_position, updated_at = now()`;
  }

  async load(subscriber: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ log_position: string }>(this.loadSql, [subscriber]);
    return rows[0]?.log_position ?? null;
  }

  async save(subscriber: string, logPosition: string): Promise<void> {
    await this.pool.query(this.saveSql, [subscriber, logPosition]);
  }

  /**
   * Saves through the caller's client, inside its open transaction: a projection that commits its
   * read-model change and its checkpoint together can neither skip nor re-apply an event after a crash.
   */
  async saveInTransaction(client: ClientBase, subscriber: string, logPosition: string): Promise<void> {
    await client.query(this.saveSql, [subscriber, logPosition]);
  }
}
