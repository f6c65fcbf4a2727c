import { Controller, Get, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ProblemDetailsException, ProblemTypes, SERVICE_CONFIG } from '@stockflow/platform';
import { IsString, MaxLength } from 'class-validator';
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

export class UnsubscribeResult {
  @ApiProperty()
  customerId!: string;

  @ApiProperty()
  email!: string;

  @ApiProperty({ description: 'False when email was already off for this address (a second click)' })
  changed!: boolean;
}

/**
 * One-click unsubscribe (RFC 8058): every email carries `List-Unsubscribe: <…/unsubscribe?token=…>`
 * and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`; mail clients POST, people click (GET).
 * Both turn email off for the address (EmailUnsubscribed); repeating it changes nothing.
 */
@ApiTags('unsubscribe')
@Controller('unsubscribe')
export class UnsubscribeController {
  constructor(
    private readonly preferences: PreferencesService,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The link in the email: unsubscribes and answers with a page' })
  @ApiOkResponse({ description: 'text/html confirmation' })
  @ApiProblems(400)
  async viaLink(@Query() query: UnsubscribeQuery, @Res() reply: FastifyReply): Promise<void> {
    const claim = this.verify(query.token);
    await this.preferences.unsubscribeEmail(claim.customerId, claim.email);
    void reply
      .status(200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        `<!doctype html><html lang="en"><meta charset="utf-8"><title>Unsubscribed</title>` +
          `<body><h1>You are unsubscribed</h1><p>${escapeHtml(claim.email)} will get no more stock alerts by email. ` +
          `You can turn email back on in your notification preferences.</p></body></html>`,
      );
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'One-click unsubscribe from a mail client (RFC 8058)' })
  @ApiOkResponse({ type: UnsubscribeResult })
  @ApiProblems(400)
  async oneClick(@Query() query: UnsubscribeQuery): Promise<UnsubscribeResult> {
    const claim = this.verify(query.token);
    const changed = await this.preferences.unsubscribeEmail(claim.customerId, claim.email);
    return { customerId: claim.customerId, email: claim.email, changed };
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

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
