// The signed one-click unsubscribe token. The notifier signs it into every email
// (apps/notifier/src/channels/unsubscribe-link.ts has the same format); this service verifies it.
// Format: `v1.<base64url(JSON {c: customerId, e: email})>.<base64url(HMAC-SHA256(secret, "v1.<payload>"))>`.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnsubscribeClaim {
  readonly customerId: string;
  readonly email: string;
}

const VERSION = 'v1';

export function signUnsubscribeToken(claim: UnsubscribeClaim, secret: string): string {
  const payload = Buffer.from(JSON.stringify({ c: claim.customerId, e: claim.email })).toString('base64url');
  return `${VERSION}.${payload}.${mac(`${VERSION}.${payload}`, secret)}`;
}

/** The claim of a token signed with `secret`, or null for anything forged, altered or malformed. */
export function verifyUnsubscribeToken(token: string, secret: string): UnsubscribeClaim | null {
  if (typeof token !== 'string' || token.length > 2048) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return null;
  const [, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(mac(`${VERSION}.${payload}`, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { c?: unknown; e?: unknown };
    if (typeof claim.c !== 'string' || typeof claim.e !== 'string' || !claim.c || !claim.e) return null;
    return { customerId: claim.c, email: claim.e };
  } catch {
    return null;
  }
}

function mac(input: string, secret: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}
