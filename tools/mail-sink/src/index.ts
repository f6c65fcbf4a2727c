export { startMailSink, MAX_MESSAGE_BYTES, type MailSink, type MailSinkOptions } from './mail-sink.js';
export { MAIL_MODES, type KeptHeader, type MailMode, type StoredMail } from '@stockflow/sink-kit';
export { jsonLogger, silentLogger, type SinkLogger } from '@stockflow/sink-kit';
