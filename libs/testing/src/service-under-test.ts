import type { RunningService } from '@stockflow/platform';
import type { Server } from 'node:http';
import request from 'supertest';
import { eventLogFootprint, type LogFootprint } from './event-log.js';
import { newIsolation, removeIsolation, type TestIsolation } from './isolation.js';

/**
 * How a test runs a service in-process: on a port the operating system picks (so no two runs can
 * want the same one), and without taking over the test runner's signals.
 */
export const IN_PROCESS = { port: 0, handleSignals: false } as const;

/** A service started by its own start function, in-process, isolated for one test run. */
export interface ServiceUnderTest extends TestIsolation {
  readonly running: RunningService;
  readonly url: string;
  readonly server: Server;
  /** `supertest` bound to the service. */
  http(): ReturnType<typeof request>;
  /** The service's event log: its head and its number of events. */
  logState(): Promise<LogFootprint>;
  /** Stops the service, then drops its schema and deletes its streams. */
  stop(): Promise<void>;
}

/**
 * Starts a service the way its `main.ts` does (`start` is the app's own start function, given the
 * run's schema and namespace and `IN_PROCESS`), in a schema and subject namespace of its own.
 */
export async function startServiceUnderTest(
  schemaPrefix: string,
  start: (isolation: TestIsolation, options: typeof IN_PROCESS) => Promise<RunningService>,
): Promise<ServiceUnderTest> {
  const isolation = newIsolation(schemaPrefix);
  let running: RunningService;
  try {
    running = await start(isolation, IN_PROCESS);
  } catch (error) {
    await removeIsolation(isolation).catch(() => undefined);
    throw error;
  }
  const server = running.service.app.getHttpServer() as Server;
  return {
    ...isolation,
    running,
    url: running.url,
    server,
    http: () => request(server),
    logState: () => eventLogFootprint(running.infrastructure.pool, isolation.schema),
    async stop() {
      await running.stop();
      await removeIsolation(isolation);
    },
  };
}
