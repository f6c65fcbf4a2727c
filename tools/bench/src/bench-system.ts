// The whole system as `npm start` runs it, for a benchmark: isolated in schemas, a subject
// namespace and a port range of its own (see startIsolatedSystem), its output in
// test-artifacts/<label>-<ns>.log; `stop()` ends every process and removes the run's schemas and streams.
import { IDENTITY, startIsolatedSystem, type IsolatedSystem, type SystemSettings } from '@stockflow/system-launcher';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchCallers } from './bench-callers.js';

export const workspaceRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const resultsDir = resolve(workspaceRoot, process.env.BENCH_RESULTS_DIR ?? 'bench/results');

export interface BenchSystem extends IsolatedSystem {
  /** Tokens of the run's identity provider: every request of the benchmark says who it is. */
  readonly callers: BenchCallers;
}

/** The system with authentication on, as `npm start` runs it: the figures include verifying every token. */
export async function startBenchSystem(label: string, env?: SystemSettings['env']): Promise<BenchSystem> {
  const sys = await startIsolatedSystem({ root: workspaceRoot, label, idPrefix: 'b', env, startTimeoutMs: 60_000, authentication: true });
  return Object.assign(sys, { callers: new BenchCallers(sys.url(IDENTITY.name)) });
}
