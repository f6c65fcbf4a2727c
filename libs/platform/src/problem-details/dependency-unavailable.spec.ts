// What the drivers really throw when PostgreSQL or NATS is away, told apart from bugs, and answered
// 503 with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectNats } from '@stockflow/messaging';
import { createPool } from '@stockflow/postgres';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { DependencyUnavailable, ProblemTypes, dependencyUnavailableOf, resolveProblem } from '../index.js';

const failure = async (work: () => Promise<unknown>): Promise<Error> => {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
};

describe('dependencyUnavailableOf', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = createPool({ max: 2, applicationName: 'dependency-unavailable.spec' });
  });
  afterAll(async () => {
    await pool.end();
  });

  it('knows a refused PostgreSQL connection', async () => {
    const nowhere = createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', max: 1 });
    const error = await failure(() => nowhere.query('SELECT 1'));
    await nowhere.end();
    expect(dependencyUnavailableOf(error)?.dependency).toBe('postgresql');
  });

  it('knows a session the server terminated (57P01) and the broken client it leaves', async () => {
    const name = `dependency-unavailable.spec-${randomBytes(4).toString('hex')}`;
    const victim = createPool({ max: 1, applicationName: name });
    const client = await victim.connect();
    const killed = failure(() => client.query('SELECT pg_sleep(5)'));
    await new Promise((r) => setTimeout(r, 100));
    await pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
    const terminated = await killed;
    expect((terminated as Error & { code?: string }).code).toBe('57P01');
    expect(dependencyUnavailableOf(terminated)?.dependency).toBe('postgresql');
    const afterwards = await failure(() => client.query('SELECT 1'));
    expect(dependencyUnavailableOf(afterwards)?.dependency).toBe('postgresql');
    client.release(true);
    await victim.end();
  });

  it('knows a full pool that timed out and a statement cancelled by statement_timeout', async () => {
    const small = createPool({ max: 1, connectionTimeoutMs: 100, statementTimeoutMs: 100 });
    const held = await small.connect();
    expect(dependencyUnavailableOf(await failure(() => small.connect()))?.dependency).toBe('postgresql');
    expect(dependencyUnavailableOf(await failure(() => held.query('SELECT pg_sleep(1)')))?.dependency).toBe('postgresql');
    held.release();
    await small.end();
  });

  it('knows a closed NATS connection and a request nobody answers', async () => {
    const nc = await connectNats({ name: 'dependency-unavailable.spec' });
    const noResponders = await failure(() => nc.request(`nobody.${randomBytes(4).toString('hex')}`, undefined, { timeout: 500 }));
    expect(dependencyUnavailableOf(noResponders)?.dependency).toBe('nats');
    await nc.close();
    const closed = await failure(async () => nc.publish('x'));
    expect(dependencyUnavailableOf(closed)?.dependency).toBe('nats');
  });

  it('leaves bugs and refusals alone: SQL errors, constraint violations, plain errors', async () => {
    expect(dependencyUnavailableOf(await failure(() => pool.query('SELEC 1')))).toBeNull();
    expect(dependencyUnavailableOf(await failure(() => pool.query('SELECT 1/0')))).toBeNull();
    expect(dependencyUnavailableOf(new Error('boom'))).toBeNull();
    expect(dependencyUnavailableOf(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBeNull();
    expect(dependencyUnavailableOf('ECONNREFUSED')).toBeNull();
  });

  it('looks through causes', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(dependencyUnavailableOf(new Error('append failed', { cause: inner }))?.dependency).toBe('postgresql');
    expect(dependencyUnavailableOf(new AggregateError([inner], 'all failed'))?.dependency).toBe('postgresql');
  });
});

describe('resolveProblem for an unavailable dependency', () => {
  it('is 503 problem+json with Retry-After, not a server error to log', () => {
    const resolution = resolveProblem(new DependencyUnavailable('nats'));
    expect(resolution).toEqual({
      problem: {
        type: ProblemTypes.dependencyUnavailable,
        title: 'Dependency unavailable',
        status: 503,
        detail: 'NATS is unavailable; the request was not carried out. Retry after 2 s.',
        dependency: 'nats',
      },
      serverError: false,
      headers: { 'Retry-After': '2' },
    });
  });
});
