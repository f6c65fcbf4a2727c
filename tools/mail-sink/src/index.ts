export { startMailSink, MAIL_MODES, MAX_MESSAGE_BYTES, type MailMode, type MailSink, type MailSinkOptions } from './mail-sink.js';
export { type StoredMail, type KeptHeader } from './mail-record.js';
export { jsonLogger, silentLogger, type SinkLogger } from '@stockflow/sink-kit';
