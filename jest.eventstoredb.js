// The service flows that run a second time on the EventStoreDB adapter (ADR 0046): the same specs,
// with STOCKFLOW_TEST_EVENT_LOG set by jest.eventstoredb.setup.js — the in-process model of the
// server, or the server at EVENTSTORE_URL when it is set (`npm run test:esdb`).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** `config` as two jest projects: every spec on PostgreSQL, and `specs` (globs under the project) on EventStoreDB. */
export function alsoOnEventStoreDb(config, specs) {
  const { testTimeout, ...project } = config;
  return {
    testTimeout,
    projects: [
      project,
      {
        ...project,
        displayName: `${config.displayName} on EventStoreDB`,
        testMatch: specs.map((spec) => `<rootDir>/${spec}`),
        setupFiles: [join(root, 'jest.eventstoredb.setup.js')],
      },
    ],
  };
}
