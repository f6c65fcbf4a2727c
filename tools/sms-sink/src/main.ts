// Development SMS provider for the notifier: Twilio's Messages API shape on :8026.
import { portFromEnv } from './env.js';
import { jsonLogger } from '@stockflow/sink-kit';
import { startSmsSink } from './sms-sink.js';

const log = jsonLogger('sms-sink');

async function main(): Promise<void> {
  const sink = await startSmsSink({
    port: portFromEnv(process.env, 'PORT', 8026),
    host: process.env.HOST || '127.0.0.1',
    logger: log,
  });
  const url = `http://${sink.host}:${sink.port}`;
  log.info({ url }, `sms-sink listening on ${url}`);

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
}

main().catch((error: unknown) => {
  log.error({ err: error instanceof Error ? error.message : String(error) }, 'sms-sink failed to start');
  process.exit(1);
});
