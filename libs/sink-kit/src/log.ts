import { pino, stdTimeFunctions, type Logger } from 'pino';

/** What the sink logs through: pino's `(fields, message)` form, so a pino logger fits as is. */
export interface SinkLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The default for in-process use (tests): nothing is written. */
export const silentLogger: SinkLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** JSON lines to stdout in the services' format: ISO `time`, textual `level`, `service`, `msg`. */
export function jsonLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
