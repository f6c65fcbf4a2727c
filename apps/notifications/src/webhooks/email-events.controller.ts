import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { maskAddresses, type EmailSuppressionReport } from '@stockflow/notifications-context';
import { ProblemDetailsException, ProblemTypes, Public, SERVICE_CONFIG, type FieldError } from '@stockflow/platform';
import type { NotificationsConfig } from '../notifications-config.js';
import { ApiProblems } from '../shared/http.js';
import { EmailSuppressionService } from './email-suppression.service.js';
import { checkMailgunSignature, type WebhookSignature } from './mailgun-signature.js';

const TIMESTAMP = /^[0-9]{1,12}$/;
const TOKEN = /^[A-Za-z0-9]{1,128}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
const ADDRESS = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

/** A JSON object's member as an object, or undefined. */
const objectAt = (value: unknown, key: string): Record<string, unknown> | undefined => {
  const member = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
  return member && typeof member === 'object' && !Array.isArray(member) ? (member as Record<string, unknown>) : undefined;
};

/**
 * The mail provider's event webhook, in Mailgun's shape (ADR 0032): `{ signature: { timestamp, token,
 * signature }, "event-data": { event, severity, recipient, message: { headers: { "message-id" } },
 * "delivery-status": { code, description } } }`. A permanent failure (hard bounce) or a complaint
 * suppresses the customer's address; other events (delivered, opened, a temporary failure) change
 * nothing. Idempotent; a message that is not ours is acknowledged and ignored.
 */
@ApiTags('webhooks')
@Controller('webhooks')
export class EmailEventsController {
  constructor(
    private readonly suppression: EmailSuppressionService,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  @Post('email/events')
  @Public()
  @HttpCode(204)
  @ApiOperation({ operationId: 'receiveEmailEvents', summary: 'Mail events from the provider: a hard bounce or a complaint suppresses the address until it is confirmed again' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['event-data'],
      properties: {
        signature: {
          type: 'object',
          properties: {
            timestamp: { type: 'string', example: '1764756930' },
            token: { type: 'string', example: '4f1c9e0b7a2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9' },
            signature: { type: 'string', example: '5d41402abc4b2a76b9719d911017c592ae4d5f0b8e0c6f7a9b1c2d3e4f5a6b7c' },
          },
        },
        'event-data': {
          type: 'object',
          properties: {
            event: { type: 'string', example: 'failed' },
            severity: { type: 'string', example: 'permanent' },
            recipient: { type: 'string', example: 'ada@example.com' },
            message: { type: 'object', properties: { headers: { type: 'object', properties: { 'message-id': { type: 'string', example: '<e3b0c442@stockflow>' } } } } },
            'delivery-status': { type: 'object', properties: { code: { type: 'integer', example: 550 }, description: { type: 'string', example: 'mailbox does not exist' } } },
          },
        },
      },
    },
  })
  @ApiNoContentResponse({ description: 'Recorded (or nothing to change)' })
  @ApiProblems(400, 403, 413, 415)
  async event(@Body() body: unknown): Promise<void> {
    checkMailgunSignature(this.config, signatureOf(body));
    const report = reportOf(body);
    if (report) await this.suppression.report(report);
  }
}

function signatureOf(body: unknown): WebhookSignature | null {
  const signed = objectAt(body, 'signature');
  if (!signed) return null;
  const { timestamp, token, signature } = signed;
  if (typeof timestamp !== 'string' || !TIMESTAMP.test(timestamp) || typeof token !== 'string' || !TOKEN.test(token) || typeof signature !== 'string' || !SIGNATURE.test(signature)) {
    return null;
  }
  return { timestamp, token, signature };
}

/** The suppression a webhook asks for, null for an event that changes nothing; a malformed one is a 400. */
function reportOf(body: unknown): EmailSuppressionReport | null {
  const data = objectAt(body, 'event-data');
  const errors: FieldError[] = [];
  if (!data) throw invalid([{ field: 'event-data', messages: ['event-data must be an object'] }]);
  const { event, severity, recipient } = data;
  if (typeof event !== 'string' || event.length > 64) errors.push({ field: 'event-data.event', messages: ['event-data.event must be the event name'] });
  if (typeof recipient !== 'string' || !ADDRESS.test(recipient)) errors.push({ field: 'event-data.recipient', messages: ['event-data.recipient must be an email address'] });
  const messageId = objectAt(objectAt(data, 'message'), 'headers')?.['message-id'];
  if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > 200) {
    errors.push({ field: 'event-data.message.headers.message-id', messages: ['the message-id header of the message is required'] });
  }
  if (errors.length > 0) throw invalid(errors);
  const reason = event === 'complained' ? 'complaint' : event === 'failed' && severity === 'permanent' ? 'bounce' : null;
  if (!reason) return null;
  const status = objectAt(data, 'delivery-status');
  const code = typeof status?.['code'] === 'number' || typeof status?.['code'] === 'string' ? String(status['code']) : '';
  const description = typeof status?.['description'] === 'string' && status['description'] ? status['description'] : typeof status?.['message'] === 'string' ? status['message'] : '';
  return {
    reason,
    provider: 'mailgun',
    detail: maskAddresses(`${code} ${description}`.trim()).slice(0, 300) || reason,
    messageId: messageId as string,
    recipient: recipient as string,
  };
}

function invalid(errors: FieldError[]): ProblemDetailsException {
  return new ProblemDetailsException({ status: 400, type: ProblemTypes.validation, title: 'Request validation failed', detail: 'The mail event is incomplete.', errors });
}
