import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isE164 } from '@stockflow/notifications-context';
import { SMS_REPORTED_STATUSES, type SmsReportedStatus } from '@stockflow/notifications-store';
import { ProblemDetailsException, ProblemTypes, Public, SERVICE_CONFIG, type FieldError } from '@stockflow/platform';
import type { NotificationsConfig } from '../notifications-config.js';
import { ApiProblems } from '../shared/http.js';
import { SmsStatusService } from './sms-status.service.js';
import { checkTwilioSignature } from './twilio-signature.js';

const MESSAGE_SID = /^[A-Za-z0-9]{2,64}$/;
const ERROR_CODE = /^[0-9]{1,10}$/;

/**
 * The SMS provider's status callback (Twilio's shape: `MessageSid`, `MessageStatus`, `ErrorCode`, `To`,
 * form-encoded and signed): what became of a message the notifier sent. Idempotent: a repeat or a
 * late, older status changes nothing; a message nobody sent is acknowledged and ignored.
 */
@ApiTags('webhooks')
@Controller('webhooks')
export class SmsStatusController {
  constructor(
    private readonly statuses: SmsStatusService,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  @Post('sms/status')
  @Public()
  @HttpCode(204)
  @ApiOperation({ operationId: 'receiveSmsStatus', summary: 'SMS delivery status from the provider (delivered, undelivered, failed with its error code)' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['MessageSid', 'MessageStatus'],
      properties: {
        MessageSid: { type: 'string', example: 'SM0123456789abcdef0123456789abcdef' },
        MessageStatus: { type: 'string', enum: [...SMS_REPORTED_STATUSES], example: 'delivered' },
        ErrorCode: { type: 'string', example: '30003' },
        To: { type: 'string', example: '+4915123456789' },
      },
      additionalProperties: true,
    },
  })
  @ApiHeader({ name: 'X-Twilio-Signature', required: false, description: 'Required, except in development mode without SMS_WEBHOOK_AUTH_TOKEN' })
  @ApiNoContentResponse({ description: 'Recorded (or nothing to change)' })
  @ApiProblems(400, 403, 413, 415, 503)
  async status(@Body() body: Record<string, unknown> | undefined, @Headers('x-twilio-signature') signature: string | undefined): Promise<void> {
    const form = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
    checkTwilioSignature(this.config, '/webhooks/sms/status', form, signature);
    const errors: FieldError[] = [];
    const { MessageSid: sid, MessageStatus: status, ErrorCode: errorCode, To: to } = form;
    if (typeof sid !== 'string' || !MESSAGE_SID.test(sid)) errors.push({ field: 'MessageSid', messages: ['MessageSid must be the provider’s message id (2 to 64 letters and digits)'] });
    if (typeof status !== 'string' || !(SMS_REPORTED_STATUSES as readonly string[]).includes(status)) {
      errors.push({ field: 'MessageStatus', messages: [`MessageStatus must be one of ${SMS_REPORTED_STATUSES.join(', ')}`] });
    }
    if (errorCode !== undefined && errorCode !== '' && (typeof errorCode !== 'string' || !ERROR_CODE.test(errorCode))) errors.push({ field: 'ErrorCode', messages: ['ErrorCode must be the provider’s numeric error code'] });
    if (to !== undefined && !isE164(to)) errors.push({ field: 'To', messages: ['To must be the recipient as an E.164 phone number'] });
    if (errors.length > 0) {
      throw new ProblemDetailsException({ status: 400, type: ProblemTypes.validation, title: 'Request validation failed', detail: 'The status callback is incomplete.', errors });
    }
    await this.statuses.report(
      { messageSid: sid as string, status: status as SmsReportedStatus, errorCode: typeof errorCode === 'string' && errorCode !== '' ? errorCode : null },
      typeof to === 'string' ? to : null,
    );
  }
}
