// Development SMS provider for the notifier: Twilio's Messages API shape on :8026.
import { jsonLogger, portFromEnv, runSink } from '@stockflow/sink-kit';
import { startSmsSink } from './sms-sink.js';

const log = jsonLogger('sms-sink');

runSink(
  'sms-sink',
  log,
  () => startSmsSink({ port: portFromEnv(process.env, 'PORT', 8026), host: process.env.HOST || '127.0.0.1', logger: log }),
  (sink) => {
    const url = `http://${sink.host}:${sink.port}`;
    return [{ url }, `sms-sink listening on ${url}`];
  },
);
