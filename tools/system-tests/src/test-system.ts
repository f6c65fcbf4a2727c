import { startIsolatedSystem, type IsolatedSystem, type IsolatedSystemOptions } from '@stockflow/system-launcher';
import { workspaceRoot } from '@stockflow/testing';

// The system tests' short names for the shared test helpers.
export { eventually, fetchJson as http, workspaceRoot } from '@stockflow/testing';

export type TestSystem = IsolatedSystem;
export type TestSystemOptions = Pick<IsolatedSystemOptions, 'only' | 'env'>;

/** The write side: the three services and their relays. */
export const WRITE_SIDE = ['relay-orders', 'relay-inventory', 'relay-carts', 'orders', 'inventory', 'carts'] as const;

/**
 * Starts the whole system (or `only` some processes) as `npm start` does, isolated for one test run
 * (schemas `s<hex>_<context>`, its own subject namespace and ports); output in test-artifacts/.
 */
export function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  return startIsolatedSystem({ root: workspaceRoot, label: 'system', idPrefix: 's', startTimeoutMs: 120_000, ...options });
}
