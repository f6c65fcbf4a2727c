// The built entry point as a real process: the dashboard reads its environment like every process.
import { describe, expect, it } from '@jest/globals';
import { eventually, freePort, runEntry } from '@stockflow/testing';

describe('dashboard main', () => {
  it('names every invalid variable on one line and exits 1', async () => {
    const entry = runEntry({ PORT: 'eighty', PROJECTIONS_URL: 'projections', METRICS_TARGETS: '["not", "an", "object"]' });
    expect(await entry.exit).toEqual({ code: 1, signal: null });
    const lines = entry.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dashboard: Invalid configuration for dashboard: /);
    expect(lines[0]).toContain('PORT must be an integer between 1 and 65535 (got "eighty")');
    expect(lines[0]).toContain('PROJECTIONS_URL must be');
  }, 20_000);

  it('refuses METRICS_TARGETS that is not an object of URLs', async () => {
    const entry = runEntry({ PORT: String(await freePort()), METRICS_TARGETS: '{"orders": 3001}' });
    expect(await entry.exit).toEqual({ code: 1, signal: null });
    expect(entry.stderr().trim()).toMatch(/^dashboard: Invalid configuration for dashboard: METRICS_TARGETS must be a JSON object of process names to http\(s\) base URLs \(got "\{\\"orders\\": 3001\}"\)$/);
  }, 20_000);

  it('serves its liveness, and stops on SIGTERM with exit 0', async () => {
    const port = await freePort();
    const entry = runEntry({ PORT: String(port), PROJECTIONS_URL: 'http://127.0.0.1:9', METRICS_TARGETS: '{}' });
    try {
      const url = `http://127.0.0.1:${port}`;
      const live = await eventually(() => fetch(`${url}/health/live`).catch(() => null), (r) => r?.status === 200, 10_000, 'the dashboard to listen');
      expect(live?.status).toBe(200);
      // Not ready: the projections service it shows does not answer.
      expect((await fetch(`${url}/health/ready`)).status).toBe(503);
      entry.child.kill('SIGTERM');
      expect(await entry.exit).toEqual({ code: 0, signal: null });
    } finally {
      entry.child.kill('SIGKILL');
    }
  }, 30_000);
});
