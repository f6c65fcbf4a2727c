import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AcceptsStreamTicket, ApiPageResponse, CurrentCaller, ForCustomers, assertOwnResource, type Caller, PageQuery, pageRequest, ProblemDetailsException, ProblemTypes, type Page } from '@stockflow/platform';
import type { FastifyReply } from 'fastify';
import { ApiProblems } from '../shared/http.js';
import { NoBodyPipe } from '@stockflow/platform';
import { CustomerParams, NotificationParams } from '../shared/params.js';
import { InboxItem, StreamQuery } from './inbox.dto.js';
import { inboxCursor, InboxService } from './inbox.service.js';
import { LiveInbox } from './live-inbox.js';

@ApiTags('web notifications')
@Controller('customers/:id/notifications')
export class InboxController {
  constructor(
    private readonly inbox: InboxService,
    private readonly live: LiveInbox,
  ) {}

  @Get()
  @ForCustomers()
  @ApiOperation({ operationId: 'listInboxNotifications', summary: "A customer's web inbox, newest first" })
  @ApiPageResponse(InboxItem)
  @ApiProblems(400)
  list(@Param() params: CustomerParams, @Query() query: PageQuery, @CurrentCaller() caller: Caller): Promise<Page<InboxItem>> {
    assertOwnResource(caller, params.id, 'customer');
    return this.inbox.list(params.id, pageRequest(inboxCursor, query));
  }

  @Post(':nid/read')
  @ForCustomers()
  @HttpCode(204)
  @ApiOperation({ operationId: 'markNotificationRead', summary: 'Mark a notification read (InboxNotificationRead); marking it again is fine' })
  @ApiNoContentResponse({ description: 'Read' })
  @ApiProblems(400, 404)
  async read(@Param() params: NotificationParams, @Body(NoBodyPipe) _body: unknown, @CurrentCaller() caller: Caller): Promise<void> {
    assertOwnResource(caller, params.id, 'customer');
    await this.inbox.markRead(params.id, params.nid);
  }

  @Get('stream')
  @ForCustomers()
  @AcceptsStreamTicket()
  @ApiOperation({ operationId: 'streamInboxNotifications',
    summary: 'New notifications as Server-Sent Events',
    description:
      'One `notification` event per new inbox row (`id:` is the inbox id, `data:` the item as JSON), a comment heartbeat every 15 s. ' +
      'Reconnect with `Last-Event-ID` (or `?lastEventId=`) to get everything after it first.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this inbox id' })
  @ApiOkResponse({ description: 'text/event-stream' })
  @ApiProblems(400)
  async stream(
    @Param() params: CustomerParams,
    @Query() query: StreamQuery,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    assertOwnResource(caller, params.id, 'customer');
    const lastEventId = resumePosition(lastEventIdHeader, query.lastEventId);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...correlationHeaders(reply),
    });
    await this.live.serve(params.id, reply.raw, lastEventId);
  }
}

function resumePosition(header: string | undefined, query: number | undefined): number | null {
  if (header === undefined || header === '') return query ?? null;
  if (!/^\d{1,15}$/.test(header.trim())) {
    throw new ProblemDetailsException({
      status: 400,
      type: ProblemTypes.validation,
      title: 'Request validation failed',
      detail: 'Last-Event-ID must be an inbox id (a non-negative integer).',
      errors: [{ field: 'Last-Event-ID', messages: ['Last-Event-ID must be a non-negative integer'] }],
    });
  }
  return Number(header.trim());
}

/** The trace headers the platform set on the reply, kept when the response is written by hand. */
function correlationHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['x-correlation-id', 'traceparent']) {
    const value = reply.getHeader(name);
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
