import type { RecordedEvent } from '@stockflow/event-sourcing';
import { defaultStreamPrefix, openEventStore, readAllPages, type Page } from '@stockflow/platform';
import { createPool } from '@stockflow/postgres';
import { eventStoreUrlOf, SERVICES, startIsolatedSystem, type IsolatedSystem, type IsolatedSystemOptions } from '@stockflow/system-launcher';
import { fetchJson, workspaceRoot } from '@stockflow/testing';

// The system tests' short names for the shared test helpers.
export { eventually, fetchJson as http, workspaceRoot } from '@stockflow/testing';

export type TestSystem = IsolatedSystem;
export type TestSystemOptions = Pick<IsolatedSystemOptions, 'only' | 'env' | 'databaseUrl' | 'natsUrl' | 'authentication' | 'relays'>;

/** The write side: the three services, each running its context's relay (ADR 0043). */
export const WRITE_SIDE = ['orders', 'inventory', 'carts'] as const;

/**
 * Starts the whole system (or `only` some processes) as `npm start` does, isolated for one test run
 * (schemas `s<hex>_<context>`, its own subject namespace and ports); output in test-artifacts/.
 * Without authentication unless `authentication: true`: these suites test flows, faults and input,
 * and call every route as the operator an open service assumes; who may call what is tested with
 * authentication on, in authentication.spec.ts and the dev runner's spec (npm start's default).
 */
export function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  return startIsolatedSystem({ root: workspaceRoot, label: 'system', idPrefix: 's', startTimeoutMs: 120_000, authentication: false, ...options });
}

/** Every item of a list endpoint (`{ items, nextCursor }`), its pages followed `limit` at a time. */
export async function listAll<T>(url: string, limit = 500): Promise<T[]> {
  const separator = url.includes('?') ? '&' : '?';
  const pages = await readAllPages(async (cursor) => {
    const response = await fetchJson<Page<T>>('GET', `${url}${separator}limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  });
  return pages.flatMap((page) => page.items);
}

/**
 * Every event of a context's log, in log order, read through the port wherever the run put the log:
 * its PostgreSQL schema, or EventStoreDB under `npm run test:esdb` (ADR 0046).
 */
export async function contextEvents(sys: TestSystem, context: string): Promise<RecordedEvent[]> {
  const schema = `${sys.schemaPrefix}_${context}`;
  const url = eventStoreUrlOf();
  const onEventStoreDb = url !== undefined && SERVICES.some((service) => service.name === context && service.eventStoreDb);
  const pool = createPool({ max: 1 });
  const store = await openEventStore({ pool, schema, ...(onEventStoreDb ? { eventStoreDb: { connectionString: url, streamPrefix: defaultStreamPrefix(schema) } } : {}) });
  try {
    const events: RecordedEvent[] = [];
    for (let page = await store.readAll({ after: null, maxCount: 1000 }); page.length > 0; page = await store.readAll({ after: page[page.length - 1]!.logPosition, maxCount: 1000 })) events.push(...page);
    return events;
  } finally {
    await store.close();
    await pool.end();
  }
}
