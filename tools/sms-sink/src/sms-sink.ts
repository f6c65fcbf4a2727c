import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeHttp, HttpError, listen, readBody, readJsonObject, sendHtml, sendJson, sendNoContent, toFilter, silentLogger, SMS_MODES, type SinkLogger, type SmsMode, type StoredSms } from '@stockflow/sink-kit';
import { smsPage } from './page.js';
import { fateOf, MESSAGES_PATH, messageResource, statusCallbackForm, twilioError, twilioSignature, validateCreate } from './twilio.js';

/** The failure injection in force: `accounts` null means every account SID fails. */
export interface SmsControl {
  readonly mode: SmsMode;
  readonly accounts: readonly string[] | null;
}

export interface SmsSinkOptions {
  /** 0 picks a free port. Default 8026. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Oldest messages are dropped past this many. Default 10,000. */
  readonly maxMessages?: number;
  /** Silent by default; `main` passes a JSON-lines logger. */
  readonly logger?: SinkLogger;
}

export interface SmsSink {
  readonly port: number;
  readonly host: string;
  /** The accepted messages, oldest first (what `GET /api/messages` returns). */
  messages(): readonly StoredSms[];
  /** Stops the server; held (`timeout`) and in-flight requests are dropped. Idempotent. */
  close(): Promise<void>;
}

export async function startSmsSink(options: SmsSinkOptions = {}): Promise<SmsSink> {
  const host = options.host ?? '127.0.0.1';
  const maxMessages = options.maxMessages ?? 10_000;
  const log = options.logger ?? silentLogger;
  const messages: StoredSms[] = [];
  let control: SmsControl = { mode: 'accept', accounts: null };

  const failing = (accountSid: string): SmsMode | null => {
    if (control.mode === 'accept') return null;
    if (control.accounts !== null && !control.accounts.includes(accountSid)) return null;
    return control.mode;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message });
      log.error({ err: error instanceof Error ? error.message : String(error), url: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  });

  async function createMessage(req: IncomingMessage, res: ServerResponse, accountSid: string): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const failure = failing(accountSid);
    if (failure) {
      log.warn({ accountSid, mode: failure, to: form.get('To') }, `sms failed (${failure})`);
      if (failure === 'timeout') return; // held open until the client gives up or the sink closes
      if (failure === 'fail-429') return sendJson(res, 429, twilioError(429, 20429, 'Too Many Requests'), { 'retry-after': '1' });
      return sendJson(res, 500, twilioError(500, 20500, 'Internal Server Error'));
    }
    const result = validateCreate(accountSid, form);
    if ('error' in result) {
      log.warn({ accountSid, code: result.error.code, to: form.get('To') }, 'sms rejected');
      return sendJson(res, 400, result.error);
    }
    const { sms } = result;
    messages.push(sms);
    if (messages.length > maxMessages) messages.splice(0, messages.length - maxMessages);
    log.info({ sid: sms.sid, accountSid, to: sms.to, from: sms.from, authUser: basicAuthUser(req) }, 'sms received');
    sendJson(res, 201, messageResource(sms));
    const callback = form.get('StatusCallback');
    if (callback && /^https?:\/\//.test(callback)) void reportStatus(sms, callback, basicAuth(req)?.password ?? '');
  }

  /**
   * Reports the message's fate to its StatusCallback as Twilio does: `sent`, then `delivered` (or
   * `undelivered` with an error code, by the number: `fateOf`), each form signed with the account's
   * auth token; each retried a few times when the callback does not answer 2xx. Never throws.
   */
  async function reportStatus(sms: StoredSms, url: string, authToken: string): Promise<void> {
    const fate = fateOf(sms.to);
    for (const [status, errorCode] of [['sent', null], [fate.status, fate.errorCode]] as const) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const form = statusCallbackForm(sms, status, errorCode);
      for (let attempt = 1; attempt <= 5; attempt++) {
        if (closing) return;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(authToken, url, form) },
            body: new URLSearchParams(form).toString(),
            signal: AbortSignal.timeout(3_000),
          });
          if (response.ok) break;
          log.warn({ sid: sms.sid, status, code: response.status, attempt }, 'status callback refused');
        } catch (error) {
          log.warn({ sid: sms.sid, status, attempt, err: error instanceof Error ? error.message : String(error) }, 'status callback failed');
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  /**
   * Twilio's message list (`GET …/Messages.json?To=&PageSize=`), newest first: what a sender asks
   * after a crash to learn whether the provider already accepted a message before resending it.
   */
  function listMessages(res: ServerResponse, accountSid: string, url: URL): void {
    const to = url.searchParams.get('To')?.replace(/^ /, '+') ?? null;
    const pageSize = Math.min(Math.max(Number(url.searchParams.get('PageSize')) || 50, 1), 1000);
    const listed = messages.filter((m) => m.accountSid === accountSid && (to === null || m.to === to)).slice(-pageSize).reverse();
    sendJson(res, 200, { messages: listed.map(messageResource), page_size: pageSize });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sms-sink');
    const twilio = MESSAGES_PATH.exec(url.pathname);
    if (twilio) {
      const accountSid = decodeURIComponent(twilio[1]!);
      if (req.method === 'GET') return listMessages(res, accountSid, url);
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} not allowed on ${url.pathname}`);
      return createMessage(req, res, accountSid);
    }
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /':
        return sendHtml(res, smsPage);
      case 'GET /health/live':
        return sendJson(res, 200, { status: 'ok' });
      case 'GET /api/messages': {
        const to = toFilter(url);
        return sendJson(res, 200, to === null ? messages : messages.filter((m) => m.to.toLowerCase() === to));
      }
      case 'DELETE /api/messages': {
        const count = messages.length;
        messages.length = 0;
        log.info({ count }, 'messages cleared');
        return sendNoContent(res);
      }
      case 'GET /api/control':
        return sendJson(res, 200, control);
      case 'POST /api/control': {
        control = parseControl(await readJsonObject(req));
        log.info({ ...control }, 'mode changed');
        return sendJson(res, 200, control);
      }
    }
    const known = ['/', '/health/live', '/api/messages', '/api/control'].includes(url.pathname);
    throw new HttpError(known ? 405 : 404, known ? `${req.method} not allowed on ${url.pathname}` : `no route ${url.pathname}`);
  }

  let closing: Promise<void> | null = null;
  const port = await listen(server, options.port ?? 8026, host);
  return {
    port,
    host,
    messages: () => messages,
    close: () => (closing ??= closeHttp(server).then(() => log.info({}, 'sms-sink stopped'))),
  };
}

function parseControl(body: Record<string, unknown>): SmsControl {
  const mode = body.mode as SmsMode;
  if (!SMS_MODES.includes(mode)) throw new HttpError(400, `mode must be one of ${SMS_MODES.join(', ')}`);
  const { accounts } = body;
  if (accounts === undefined || accounts === null) return { mode, accounts: null };
  if (!Array.isArray(accounts) || !accounts.every((a) => typeof a === 'string' && a !== '')) {
    throw new HttpError(400, 'accounts must be an array of account SIDs');
  }
  return { mode, accounts: [...accounts] as string[] };
}

/** The user name of an HTTP Basic `Authorization` header (accepted, never required). */
function basicAuthUser(req: IncomingMessage): string | undefined {
  return basicAuth(req)?.user;
}

/** An HTTP Basic `Authorization` header's user (the account SID) and password (its auth token). */
function basicAuth(req: IncomingMessage): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = Math.max(0, decoded.indexOf(':'));
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
