import { refuseOpenAccessOutsideDevelopment } from '../auth/auth-config.js';
import { BaseServiceConfig } from '../config/base-service-config.js';
import { ConfigError, loadConfig, type ConfigSchema } from '../config/load-config.js';
import { installTelemetry } from '../tracing/telemetry.js';
import { TransactionsUnsupported } from '@stockflow/event-sourcing';
import { dependencyUnavailableOf } from '../problem-details/dependency-unavailable.js';

/**
 * How long a process keeps trying to start while a server it needs does not answer (a cluster still
 * electing its leaders, a database restarting): it retries instead of exiting, so that a supervisor
 * restart is not needed for a few seconds of outage (ADR 0019).
 */
const STARTUP_RETRY_FOR_MS = 60_000;
const STARTUP_RETRY_MAX_DELAY_MS = 5_000;

/**
 * A process's `main`: sets up OpenTelemetry (ADR 0037), loads its configuration from the environment, starts it, and exits with 1 on
 * failure: an invalid configuration as one line naming every bad variable (`<name>: Invalid
 * configuration …`), a log without the transactions the process needs as one line, anything else with its stack.
 * A start that fails because a server does not answer is tried again, with backoff, for a minute. `name` may depend on the environment (a relay is
 * named by its context).
 */
export function runMain<TConfig extends object>(
  name: string | ((env: NodeJS.ProcessEnv) => string),
  schema: ConfigSchema<TConfig>,
  start: (config: TConfig) => Promise<unknown>,
): void {
  const service = typeof name === 'string' ? name : name(process.env);
  void (async () => {
    try {
      installTelemetry(service);
      const config = loadConfig(schema, process.env, { service });
      // Every service on the one host authenticates its callers unless it runs in development.
      if (config instanceof BaseServiceConfig) refuseOpenAccessOutsideDevelopment(service, config);
      await startRiding(service, () => start(config));
    } catch (error) {
      // What the operator must change, in one line: the configuration, or the log it chose.
      if (error instanceof ConfigError || error instanceof TransactionsUnsupported) console.error(`${service}: ${error.message}`);
      else console.error(`${service}: failed to start`, error);
      process.exit(1);
    }
  })();
}

/** Runs `start`, again after a pause while it fails for a dependency outage, until STARTUP_RETRY_FOR_MS has passed. */
async function startRiding(service: string, start: () => Promise<unknown>): Promise<void> {
  const giveUpAt = Date.now() + STARTUP_RETRY_FOR_MS;
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, STARTUP_RETRY_MAX_DELAY_MS)) {
    try {
      await start();
      return;
    } catch (error) {
      const outage = dependencyUnavailableOf(error);
      if (!outage || Date.now() + delay > giveUpAt) throw error;
      console.error(`${service}: ${outage.message} while starting (${(error as Error).name}); trying again in ${delay} ms (attempt ${attempt + 1})`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
