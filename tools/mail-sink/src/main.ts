// Development mail server for the notifier: SMTP on :1025, the received mail over HTTP on :8025.
import { portFromEnv } from './env.js';
import { jsonLogger } from '@stockflow/sink-kit';
import { startMailSink } from './mail-sink.js';

const log = jsonLogger('mail-sink');

async function main(): Promise<void> {
  const sink = await startMailSink({
    smtpPort: portFromEnv(process.env, 'SMTP_PORT', 1025),
    // PORT too: the system launcher gives every process its HTTP port (and probes /health/live) there.
    httpPort: portFromEnv(process.env, 'HTTP_PORT', portFromEnv(process.env, 'PORT', 8025)),
    host: process.env.HOST || '127.0.0.1',
    logger: log,
  });
  const { host, smtpPort, httpPort } = sink;
  log.info({ smtp: `${host}:${smtpPort}`, http: `http://${host}:${httpPort}` }, `mail-sink listening: SMTP ${host}:${smtpPort}, HTTP http://${host}:${httpPort}`);

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
  log.error({ err: error instanceof Error ? error.message : String(error) }, 'mail-sink failed to start');
  process.exit(1);
});
