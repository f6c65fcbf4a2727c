export { startSmsSink, SMS_MODES, type SmsControl, type SmsMode, type SmsSink, type SmsSinkOptions } from './sms-sink.js';
export { E164, type StoredSms, type TwilioError } from './twilio.js';
export { jsonLogger, silentLogger, type SinkLogger } from '@stockflow/sink-kit';
