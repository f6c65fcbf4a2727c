import type { Logger } from 'pino';

/**
 * A sink's process: starts it, logs where it listens, closes it on SIGTERM/SIGINT (exit 0, or 1 if
 * closing fails or takes over 5 s), and exits 1 with a JSON line when it cannot start.
 */
export function runSink<T extends { close(): Promise<void> }>(name: string, log: Logger, start: () => Promise<T>, describe: (sink: T) => [object, string]): void {
  const main = async (): Promise<void> => {
    const sink = await start();
    log.info(...describe(sink));
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      setTimeout(() => process.exit(1), 5000).unref();
      sink.close().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: String(error) }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  };
  main().catch((error: unknown) => {
    log.error({ err: error instanceof Error ? error.message : String(error) }, `${name} failed to start`);
    process.exit(1);
  });
}
