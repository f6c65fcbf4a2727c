import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { AdvisoryLeadership } from './advisory-leadership.js';
import { createPool } from './pool.js';

/** A candidate with its own pool (as a replica has), counting the terms it led. */
function candidate(role: string, name: string) {
  const pool = createPool({ max: 2, applicationName: `leadership.spec ${name}` });
  const terms: { started: number; ended?: number }[] = [];
  const leadership = new AdvisoryLeadership(pool, role, { intervalMs: 100 });
  leadership.start(async (signal) => {
    const term: { started: number; ended?: number } = { started: Date.now() };
    terms.push(term);
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    term.ended = Date.now();
  });
  return { name, pool, leadership, terms };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('AdvisoryLeadership (real PostgreSQL)', () => {
  let admin: Pool;
  const started: ReturnType<typeof candidate>[] = [];
  const start = (role: string, name: string) => {
    const c = candidate(role, name);
    started.push(c);
    return c;
  };

  beforeAll(() => {
    admin = createPool({ max: 1, applicationName: 'leadership.spec admin' });
  });
  afterEach(async () => {
    for (const c of started.splice(0)) {
      await c.leadership.stop();
      await c.pool.end();
    }
  });
  afterAll(async () => {
    await admin.end();
  });

  it('lets exactly one of three candidates lead, and another take over within the interval when it stops', async () => {
    const role = `spec-${randomBytes(4).toString('hex')}`;
    const all = [start(role, 'a'), start(role, 'b'), start(role, 'c')];
    await until(() => all.some((c) => c.leadership.leading));
    await new Promise((resolve) => setTimeout(resolve, 400)); // several intervals: nobody else gets in
    expect(all.filter((c) => c.leadership.leading)).toHaveLength(1);
    const first = all.find((c) => c.leadership.leading)!;

    const stoppedAt = Date.now();
    await first.leadership.stop();
    expect(first.terms.at(-1)?.ended).toBeDefined();
    const rest = all.filter((c) => c !== first);
    await until(() => rest.some((c) => c.leadership.leading));
    const takeoverMs = Date.now() - stoppedAt;
    expect(rest.filter((c) => c.leadership.leading)).toHaveLength(1);
    console.info(`leadership handed over ${takeoverMs} ms after the leader stopped (interval 100 ms)`);
  });

  it('ends the leader\'s term when its session is killed, and a candidate takes the lock', async () => {
    const role = `spec-${randomBytes(4).toString('hex')}`;
    const a = start(role, 'a');
    await until(() => a.leadership.leading);
    const b = start(role, 'b');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(b.leadership.leading).toBe(false);

    // The leader's session dies as in a database restart or a cut connection.
    await admin.query(
      `SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
         AND (l.classid::bigint << 32 | l.objid::bigint) = hashtextextended($1, 0)`,
      [`stockflow:${role}`],
    );
    await until(() => a.terms[0]?.ended !== undefined);
    await until(() => a.leadership.leading || b.leadership.leading);
    expect([a, b].filter((c) => c.leadership.leading)).toHaveLength(1);
  });

  it('treats roles apart: the leader of one role does not block another', async () => {
    const x = start(`spec-${randomBytes(4).toString('hex')}`, 'x');
    const y = start(`spec-${randomBytes(4).toString('hex')}`, 'y');
    await until(() => x.leadership.leading && y.leadership.leading);
  });
});
