import { refuseOpenAccessOutsideDevelopment } from '../auth/auth-config.js';
import { BaseServiceConfig } from '../config/base-service-config.js';
import { ConfigError, loadConfig, type ConfigSchema } from '../config/load-config.js';
import { installTelemetry } from '../tracing/telemetry.js';
import { TransactionsUnsupported } from '@stockflow/event-sourcing';

/**
 * A process's `main`: sets up OpenTelemetry (ADR 0037), loads its configuration from the environment, starts it, and exits with 1 on
 * failure: an invalid configuration as one line naming every bad variable (`<name>: Invalid
 * configuration …`), a log without the transactions the process needs as one line, anything else with its stack. `name` may depend on the environment (a relay is
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
      await start(config);
    } catch (error) {
      // What the operator must change, in one line: the configuration, or the log it chose.
      if (error instanceof ConfigError || error instanceof TransactionsUnsupported) console.error(`${service}: ${error.message}`);
      else console.error(`${service}: failed to start`, error);
      process.exit(1);
    }
  })();
}
