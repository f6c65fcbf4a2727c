// Development mail server for the notifier: SMTP on :1025, the received mail over HTTP on :8025.
import { jsonLogger, portFromEnv, runSink } from '@stockflow/sink-kit';
import { startMailSink } from './mail-sink.js';

const log = jsonLogger('mail-sink');

runSink(
  'mail-sink',
  log,
  () =>
    startMailSink({
      smtpPort: portFromEnv(process.env, 'SMTP_PORT', 1025),
      // PORT too: the system launcher gives every process its HTTP port (and probes /health/live) there.
      httpPort: portFromEnv(process.env, 'HTTP_PORT', portFromEnv(process.env, 'PORT', 8025)),
      host: process.env.HOST || '127.0.0.1',
      logger: log,
    }),
  ({ host, smtpPort, httpPort }) => [
    { smtp: `${host}:${smtpPort}`, http: `http://${host}:${httpPort}` },
    `mail-sink listening: SMTP ${host}:${smtpPort}, HTTP http://${host}:${httpPort}`,
  ],
);
