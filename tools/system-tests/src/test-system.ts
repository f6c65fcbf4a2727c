import { startIsolatedSystem, type IsolatedSystem, type IsolatedSystemOptions } from '@stockflow/system-launcher';
import { resolve } from 'node:path';

export const workspaceRoot = resolve(process.cwd(), '../..');

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

/** Polls `probe` until it returns a value `accept` takes, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < until) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

/** JSON over HTTP with the status, for tests. */
export async function http<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}
