import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ProblemDetailsException, ProblemTypes, Public, SERVICE_CONFIG } from '@stockflow/platform';
import { Equals, IsString, MaxLength } from 'class-validator';
import type { FastifyReply } from 'fastify';
import type { NotificationsConfig } from '../notifications-config.js';
import { PreferencesService } from '../preferences/preferences.service.js';
import { ApiProblems } from '../shared/http.js';
import { verifyUnsubscribeToken, type UnsubscribeClaim } from '../shared/unsubscribe-token.js';

export class UnsubscribeQuery {
  @ApiProperty({ description: 'The signed token of the link in the email' })
  @IsString()
  @MaxLength(2048)
  token!: string;
}

/** RFC 8058's one-click body: `List-Unsubscribe=One-Click` (form-encoded, as mail clients send it). */
export class OneClickBody {
  @ApiProperty({ name: 'List-Unsubscribe', enum: ['One-Click'] })
  @Equals('One-Click', { message: 'List-Unsubscribe must be One-Click (RFC 8058)' })
  'List-Unsubscribe'!: string;
}

export class UnsubscribeResult {
  @ApiProperty()
  customerId!: string;

  @ApiProperty()
  email!: string;

  @ApiProperty({ description: 'False when email was already off for this address (a second click)' })
  changed!: boolean;
}

/**
 * Unsubscribe (RFC 8058): every email carries `List-Unsubscribe: <…/unsubscribe?token=…>` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. Only a POST with the body
 * `List-Unsubscribe=One-Click` turns email off (EmailUnsubscribed; repeating it changes nothing): a
 * mail client posts it, and so does the confirmation page's form. A GET — a person's click, or a
 * mail scanner following links — only shows that page and changes nothing (ADR 0027).
 */
@ApiTags('unsubscribe')
@Controller('unsubscribe')
export class UnsubscribeController {
  constructor(
    private readonly preferences: PreferencesService,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ operationId: 'showUnsubscribePage', summary: 'The link in the email: a confirmation page whose form POSTs the one-click body; changes nothing' })
  @ApiOkResponse({ description: 'text/html confirmation page' })
  @ApiProblems(400)
  viaLink(@Query() query: UnsubscribeQuery, @Res() reply: FastifyReply): void {
    const claim = this.verify(query.token);
    const action = `unsubscribe?token=${encodeURIComponent(query.token)}`;
    void page(reply, 'Unsubscribe from stock alerts',
      `<h1>Unsubscribe from stock alerts?</h1><p>${escapeHtml(claim.email)} will get no more stock alerts by email.</p>` +
        `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click">` +
        `<button type="submit">Unsubscribe</button></form>`,
    );
  }

  @Post()
  @Public()
  @HttpCode(200)
  @ApiOperation({ operationId: 'unsubscribeOneClick', summary: 'One-click unsubscribe (RFC 8058): from a mail client, or the confirmation page\'s form' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: OneClickBody })
  @ApiOkResponse({ type: UnsubscribeResult, description: 'JSON; text/html when the request accepts HTML first (the form)' })
  @ApiProblems(400)
  async oneClick(
    @Query() query: UnsubscribeQuery,
    @Body() _body: OneClickBody,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const claim = this.verify(query.token);
    const changed = await this.preferences.unsubscribeEmail(claim.customerId, claim.email);
    if (prefersHtml(accept)) {
      void page(reply, 'Unsubscribed',
        `<h1>You are unsubscribed</h1><p>${escapeHtml(claim.email)} will get no more stock alerts by email. ` +
          `You can turn email back on in your notification preferences.</p>`,
      );
      return;
    }
    const result: UnsubscribeResult = { customerId: claim.customerId, email: claim.email, changed };
    void reply.status(200).header('cache-control', 'no-store').send(result);
  }

  private verify(token: string): UnsubscribeClaim {
    const claim = verifyUnsubscribeToken(token, this.config.UNSUBSCRIBE_SECRET);
    if (!claim) {
      throw new ProblemDetailsException({
        status: 400,
        type: ProblemTypes.validation,
        title: 'Request validation failed',
        detail: 'The unsubscribe link is not valid (altered, truncated or not ours).',
        errors: [{ field: 'token', messages: ['token must be an unaltered unsubscribe token'] }],
      });
    }
    return claim;
  }
}

function page(reply: FastifyReply, title: string, body: string): FastifyReply {
  return reply
    .status(200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(`<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><body>${body}</body></html>`);
}

/** Whether `Accept` ranks text/html above JSON (a browser's form post). */
function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
