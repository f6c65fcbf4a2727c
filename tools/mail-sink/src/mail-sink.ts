import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { closeHttp, HttpError, listen, readJsonObject, sendHtml, sendJson, sendNoContent, toFilter, silentLogger, MAIL_MODES, type MailMode, type SinkLogger, type StoredMail } from '@stockflow/sink-kit';
import { toStoredMail } from './mail-record.js';
import { mailPage } from './page.js';

export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface MailSinkOptions {
  /** SMTP port; 0 picks a free one. Default 1025. */
  readonly smtpPort?: number;
  /** HTTP port; 0 picks a free one. Default 8025. */
  readonly httpPort?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Oldest mail is dropped past this many. Default 10,000. */
  readonly maxMessages?: number;
  /** Silent by default; `main` passes a JSON-lines logger. */
  readonly logger?: SinkLogger;
}

export interface MailSink {
  readonly smtpPort: number;
  readonly httpPort: number;
  readonly host: string;
  /** The received mail, oldest first (what `GET /api/messages` returns). */
  messages(): readonly StoredMail[];
  /** Stops both servers: HTTP connections are dropped, SMTP clients get up to 2 s to finish. Idempotent. */
  close(): Promise<void>;
}

/** Calls `then` once the message has been read off the connection (SMTP answers only after the data). */
function drained(stream: SMTPServerDataStream, then: () => void): void {
  if (stream.readableEnded) return then();
  stream.once('end', then);
  stream.resume();
}

/** Starts the SMTP server and its HTTP API; resolves once both listen. */
export async function startMailSink(options: MailSinkOptions = {}): Promise<MailSink> {
  const host = options.host ?? '127.0.0.1';
  const maxMessages = options.maxMessages ?? 10_000;
  const log = options.logger ?? silentLogger;
  const messages: StoredMail[] = [];
  let mode: MailMode = 'accept';

  const refusal = (): Error | null => {
    if (mode === 'accept') return null;
    const temporary = mode === 'reject-temporary';
    const error = new Error(
      temporary ? 'Temporary failure: mail-sink is in reject-temporary mode' : 'Mailbox unavailable: mail-sink is in reject-permanent mode',
    ) as Error & { responseCode: number };
    error.responseCode = temporary ? 451 : 550;
    return error;
  };

  const receive = async (stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> => {
    const parsed = await simpleParser(stream);
    if (stream.sizeExceeded) {
      throw Object.assign(new Error(`Message exceeds fixed maximum message size of ${MAX_MESSAGE_BYTES} bytes`), { responseCode: 552 });
    }
    const mail = toStoredMail(parsed, {
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
    });
    messages.push(mail);
    if (messages.length > maxMessages) messages.splice(0, messages.length - maxMessages);
    log.info({ id: mail.id, from: mail.from, to: mail.to, subject: mail.subject }, 'mail received');
  };

  const smtp = new SMTPServer({
    name: 'mail-sink',
    banner: 'stockflow mail-sink (development only)',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    closeTimeout: 2000,
    onRcptTo(address, _session, callback) {
      const error = refusal();
      if (error) log.warn({ to: address.address, mode }, 'recipient refused');
      callback(error);
    },
    onData(stream, session, callback) {
      const error = refusal();
      if (error) {
        log.warn({ mode }, 'message refused');
        return drained(stream, () => callback(error));
      }
      receive(stream, session).then(
        () => callback(),
        (failure: Error & { responseCode?: number }) => {
          log.warn({ err: failure.message }, 'message not stored');
          const answer = failure.responseCode ? failure : Object.assign(new Error(`Message could not be parsed: ${failure.message}`), { responseCode: 554 });
          drained(stream, () => callback(answer));
        },
      );
    },
  });
  // Client-side socket errors (resets, timeouts) are reported here; without a listener they would crash.
  smtp.on('error', (error) => log.warn({ err: error.message }, 'smtp error'));

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message });
      log.error({ err: error instanceof Error ? error.message : String(error), url: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://mail-sink');
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /':
        return sendHtml(res, mailPage);
      case 'GET /health/live':
        return sendJson(res, 200, { status: 'ok' });
      case 'GET /api/messages': {
        const to = toFilter(url);
        return sendJson(res, 200, to === null ? messages : messages.filter((m) => m.to.some((a) => a.toLowerCase() === to)));
      }
      case 'DELETE /api/messages': {
        const count = messages.length;
        messages.length = 0;
        log.info({ count }, 'messages cleared');
        return sendNoContent(res);
      }
      case 'GET /api/control':
        return sendJson(res, 200, { mode });
      case 'POST /api/control': {
        const body = await readJsonObject(req);
        if (!MAIL_MODES.includes(body.mode as MailMode)) throw new HttpError(400, `mode must be one of ${MAIL_MODES.join(', ')}`);
        mode = body.mode as MailMode;
        log.info({ mode }, 'mode changed');
        return sendJson(res, 200, { mode });
      }
    }
    const known = ['/', '/health/live', '/api/messages', '/api/control'].includes(url.pathname);
    throw new HttpError(known ? 405 : 404, known ? `${req.method} not allowed on ${url.pathname}` : `no route ${url.pathname}`);
  }

  const smtpPort = await listen(smtp.server, options.smtpPort ?? 1025, host);
  let httpPort: number;
  try {
    httpPort = await listen(http, options.httpPort ?? 8025, host);
  } catch (error) {
    await new Promise<void>((done) => smtp.close(() => done()));
    throw error;
  }

  let closing: Promise<void> | null = null;
  return {
    smtpPort,
    httpPort,
    host,
    messages: () => messages,
    close: () =>
      (closing ??= Promise.all([closeHttp(http), new Promise<void>((done) => smtp.close(() => done()))]).then(() => {
        log.info({}, 'mail-sink stopped');
      })),
  };
}
