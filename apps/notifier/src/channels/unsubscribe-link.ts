// The signed one-click unsubscribe link of every email. The notifications service verifies it
// (apps/notifications/src/shared/unsubscribe-token.ts has the same format; the system test follows a
// mailed link end to end). Format: `v1.<base64url(JSON {c, e})>.<base64url(HMAC-SHA256(secret, "v1.<payload>"))>`.
import { createHmac } from 'node:crypto';

export function unsubscribeToken(customerId: string, email: string, secret: string): string {
  const payload = Buffer.from(JSON.stringify({ c: customerId, e: email })).toString('base64url');
  const mac = createHmac('sha256', secret).update(`v1.${payload}`).digest('base64url');
  return `v1.${payload}.${mac}`;
}

export function unsubscribeUrl(baseUrl: string, customerId: string, email: string, secret: string): string {
  return `${baseUrl.replace(/\/$/, '')}/unsubscribe?token=${unsubscribeToken(customerId, email, secret)}`;
}
