import { jetstreamManager } from '@nats-io/jetstream';
import { contextStreamName } from '@stockflow/contracts';
import { connectNats, deadLetterStreamSpec } from '@stockflow/messaging';
import { createPool, dropSchema } from '@stockflow/postgres';
import { READ_SIDE, SERVICES } from './system-manifest.js';

/** Where one system's data lives: `npm start`'s (no prefix, no namespace) or one test run's. */
export interface SystemDataScope {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** Schemas are `<prefix>_<context>` (none: `<context>`). */
  readonly schemaPrefix?: string;
  /** Streams are `<NAMESPACE>_…` (none: the contexts' streams and DEAD_LETTERS). */
  readonly namespace?: string;
  /** The NATS user to clean up with, on a server with users (ADR 0020). */
  readonly natsAuth?: { readonly user: string; readonly password: string };
}

/** Every schema the system's processes make. */
export function systemSchemas(schemaPrefix?: string): string[] {
  return [...SERVICES.map((s) => s.name), ...READ_SIDE.map((r) => r.name)].map((context) => (schemaPrefix ? `${schemaPrefix}_${context}` : context));
}

/** Whether a JetStream stream belongs to the system of this namespace. */
export function isSystemStream(name: string, namespace?: string): boolean {
  if (namespace) return name.startsWith(`${namespace.toUpperCase()}_`);
  return [...SERVICES.map((s) => contextStreamName(s.name)), deadLetterStreamSpec().name].includes(name);
}

/** The system's schemas that exist on the server. */
export async function existingSystemSchemas(scope: SystemDataScope): Promise<string[]> {
  const pool = createPool({ connectionString: scope.databaseUrl, max: 1 });
  try {
    const { rows } = await pool.query<{ name: string }>('SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name = ANY($1)', [systemSchemas(scope.schemaPrefix)]);
    return rows.map((r) => r.name).sort();
  } finally {
    await pool.end();
  }
}

/** The system's streams that exist on the NATS server. */
export async function existingSystemStreams(scope: SystemDataScope): Promise<string[]> {
  const nc = await connectNats({ url: scope.natsUrl, name: 'stockflow-system-data', ...scope.natsAuth });
  try {
    return (await existingSystemStreamsOn(await jetstreamManager(nc), scope.namespace)).sort();
  } finally {
    await nc.close();
  }
}

/** Drops the system's schemas (with everything in them). */
export async function dropSystemSchemas(scope: SystemDataScope): Promise<void> {
  const pool = createPool({ connectionString: scope.databaseUrl, max: 1 });
  try {
    for (const schema of systemSchemas(scope.schemaPrefix)) await dropSchema(pool, schema);
  } finally {
    await pool.end();
  }
}

/** Deletes the system's streams (events, dead letters and their consumers). */
export async function deleteSystemStreams(scope: SystemDataScope): Promise<void> {
  const nc = await connectNats({ url: scope.natsUrl, name: 'stockflow-system-data', ...scope.natsAuth });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of await existingSystemStreamsOn(jsm, scope.namespace)) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}

async function existingSystemStreamsOn(jsm: Awaited<ReturnType<typeof jetstreamManager>>, namespace?: string): Promise<string[]> {
  const names: string[] = [];
  for await (const name of jsm.streams.names()) if (isSystemStream(name, namespace)) names.push(name);
  return names;
}
