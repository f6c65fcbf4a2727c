// Personal data never reaches a log line (ADR 0027). Two layers, both in the platform's one logger:
// - by key: pino's `redact` censors the fields that hold contact details, tokens and credentials
//   wherever a log call passes them as structured data (`{ email }`, `req.headers.authorization`);
// - by value: every finished line goes through `scrubPersonalData` (pino's `streamWrite` hook), so
//   an address, a phone number or a token inside a message, an error, a URL or a SQL parameter
//   list is replaced too, whoever wrote it.

/** What a censored value becomes. */
export const REDACTED = '[redacted]';

/** Field names whose values are never logged, at the top level and two levels down. */
export const REDACTED_KEYS = [
  'email',
  'phone',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'idToken',
  'password',
  'secret',
  'authorization',
  'cookie',
  'set-cookie',
  'x-twilio-signature',
] as const;

const segment = (key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`);
const under = (prefix: string, key: string): string => (prefix === '' ? segment(key) : segment(key).startsWith('[') ? `${prefix}${segment(key)}` : `${prefix}.${segment(key)}`);

/** pino `redact` paths: every key above at the top level, one and two levels down. */
export const REDACT_PATHS: readonly string[] = REDACTED_KEYS.flatMap((key) => ['', '*', '*.*'].map((prefix) => under(prefix, key)));

// An e-mail address, also percent-encoded (`%40`) as in a query string.
const EMAIL = /[A-Za-z0-9._%+-]{1,64}(?:@|%40)[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}/g;
// A phone number in E.164 (`+4915…`, `%2B4915…`) and the international format with a 00 prefix.
const PHONE = /(?:\+|%2[Bb]|\b00)[1-9]\d{6,14}\b/g;
// A JSON Web Token (three base64url parts, the first a JSON header).
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
// Bearer and Basic credentials in a header value or a message.
const CREDENTIALS = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
// Tokens and signatures in a URL's query string (unsubscribe links, OAuth codes, stream tickets).
const QUERY_SECRET = /([?&](?:token|access_token|id_token|refresh_token|code|ticket|signature|sig|key|password|secret)=)[^&#"\s\\]+/gi;
// The unsubscribe link's token wherever it stands (`v1.<payload>.<signature>`).
const UNSUBSCRIBE_TOKEN = /\bv1\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g;

/**
 * `text` with e-mail addresses, phone numbers, JWTs, bearer credentials, unsubscribe tokens and
 * token-like query parameters replaced. Safe on a serialized JSON line: nothing it matches spans a
 * quote or a backslash, and every replacement is plain text.
 */
export function scrubPersonalData(text: string): string {
  return text
    .replace(QUERY_SECRET, `$1${REDACTED}`)
    .replace(CREDENTIALS, `$1 ${REDACTED}`)
    .replace(JWT, '[jwt]')
    .replace(UNSUBSCRIBE_TOKEN, '[token]')
    .replace(EMAIL, '[email]')
    .replace(PHONE, '[phone]');
}
