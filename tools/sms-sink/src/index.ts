export { startSmsSink, type SmsControl, type SmsSink, type SmsSinkOptions } from './sms-sink.js';
export { E164, type TwilioError } from './twilio.js';
export { SMS_MODES, type SmsMode, type StoredSms } from '@stockflow/sink-kit';
export { jsonLogger, silentLogger, type SinkLogger } from '@stockflow/sink-kit';
