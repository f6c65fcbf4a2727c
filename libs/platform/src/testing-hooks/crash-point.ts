import { isDevelopment } from '../config/runtime-mode.js';

/**
 * Test-only crash points. `STOCKFLOW_CRASH_AT=<point>` makes the process kill itself (SIGKILL: no
 * shutdown hook, no flush, no answer) when it reaches that point, so that a test can crash a real
 * process at an exact line. Only in development mode (`STOCKFLOW_ENV=development`, which the test
 * harness sets); anywhere else, and unset, a crash point does nothing.
 *
 * Points: `idempotency:before-commit` (an Idempotency-Key request has appended its events and
 * recorded its result, in the transaction, not yet committed) and `idempotency:after-commit`
 * (committed, the answer not yet sent).
 */
const armed = isDevelopment({ STOCKFLOW_ENV: process.env['STOCKFLOW_ENV'], NODE_ENV: process.env['NODE_ENV'] }) ? process.env['STOCKFLOW_CRASH_AT'] : undefined;

export function crashPoint(point: string): void {
  if (armed !== undefined && armed === point) process.kill(process.pid, 'SIGKILL');
}
