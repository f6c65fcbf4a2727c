import { Body, Controller, Headers, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProblemDetailsException, ProblemTypes, Public, SERVICE_CONFIG, type FieldError } from '@stockflow/platform';
import type { FastifyReply } from 'fastify';
import { keywordOf } from '@stockflow/notifications-context';
import { isE164 } from '@stockflow/notifications-context';
import type { NotificationsConfig } from '../notifications-config.js';
import { ApiProblems } from '../shared/http.js';
import { PhoneService } from './phone.service.js';
import { checkTwilioSignature } from './twilio-signature.js';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * The SMS provider's inbound-message webhook (Twilio's shape: a form with `From`, `Body` and more).
 * STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT opt the number out; START, UNSTOP, YES opt it back
 * in; other messages are acknowledged and ignored. Answers empty TwiML.
 */
@ApiTags('webhooks')
@Controller('webhooks')
export class SmsWebhookController {
  constructor(
    private readonly phones: PhoneService,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  @Post('sms')
  @Public()
  @HttpCode(200)
  @ApiOperation({ operationId: 'receiveInboundSms', summary: 'Inbound SMS from the provider (STOP / START keywords)' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['From', 'Body'],
      properties: { From: { type: 'string', example: '+4915123456789' }, Body: { type: 'string', example: 'STOP' } },
      additionalProperties: true,
    },
  })
  @ApiHeader({ name: 'X-Twilio-Signature', required: false, description: 'Required, except in development mode without SMS_WEBHOOK_AUTH_TOKEN' })
  @ApiOkResponse({ description: 'Empty TwiML (text/xml)' })
  @ApiProblems(400, 403, 413, 415)
  async inbound(
    @Body() body: Record<string, unknown> | undefined,
    @Headers('x-twilio-signature') signature: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
    checkTwilioSignature(this.config, '/webhooks/sms', form, signature);
    const errors: FieldError[] = [];
    const from = form.From;
    const text = form.Body;
    if (!isE164(from)) errors.push({ field: 'From', messages: ['From must be the sender as an E.164 phone number'] });
    if (typeof text !== 'string' || text.length > 1600) errors.push({ field: 'Body', messages: ['Body must be the message text (at most 1600 characters)'] });
    if (errors.length > 0) {
      throw new ProblemDetailsException({ status: 400, type: ProblemTypes.validation, title: 'Request validation failed', detail: 'The inbound message is incomplete.', errors });
    }
    await this.phones.keyword(from as string, keywordOf(text as string).slice(0, 32) || '-');
    void reply.status(200).header('content-type', 'text/xml; charset=utf-8').send(EMPTY_TWIML);
  }
}
