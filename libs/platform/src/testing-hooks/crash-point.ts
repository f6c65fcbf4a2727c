/**
 * Test-only crash points. `STOCKFLOW_CRASH_AT=<point>` makes the process kill itself (SIGKILL: no
 * shutdown hook, no flush, no answer) when it reaches that point, so that a test can crash a real
 * process at an exact line. Unset, as in every deployment, a crash point does nothing.
 *
 * Points: `idempotency:before-commit` (an Idempotency-Key request has appended its events and
 * recorded its result, in the transaction, not yet committed) and `idempotency:after-commit`
 * (committed, the answer not yet sent).
 */
const armed = process.env['STOCKFLOW_CRASH_AT'];

export function crashPoint(point: string): void {
  if (armed !== undefined && armed === point) process.kill(process.pid, 'SIGKILL');
}
