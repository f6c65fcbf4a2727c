// The whole system as `npm start` runs it, for a benchmark: isolated in schemas, a subject
// namespace and a port range of its own (see startIsolatedSystem), its output in
// test-artifacts/<label>-<ns>.log; `stop()` ends every process and removes the run's schemas and streams.
import { startIsolatedSystem, type IsolatedSystem, type SystemSettings } from '@stockflow/system-launcher';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const workspaceRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const resultsDir = resolve(workspaceRoot, process.env.BENCH_RESULTS_DIR ?? 'bench/results');

export type BenchSystem = IsolatedSystem;

export function startBenchSystem(label: string, env?: SystemSettings['env']): Promise<BenchSystem> {
  // Without authentication for now: the load clients send no tokens yet (issue 12 measures with them).
  return startIsolatedSystem({ root: workspaceRoot, label, idPrefix: 'b', env, startTimeoutMs: 60_000, authentication: false });
}
