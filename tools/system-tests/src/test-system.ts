import { readAllPages, type Page } from '@stockflow/platform';
import { startIsolatedSystem, type IsolatedSystem, type IsolatedSystemOptions } from '@stockflow/system-launcher';
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
