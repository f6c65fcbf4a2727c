import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AcceptsStreamTicket, OperatorOnly } from '@stockflow/platform';
import { ProjectionsContext } from './projections-context.js';
import { toChangeRows } from './views.js';

const KEEPALIVE_MS = 15_000;

@ApiTags('views')
@Controller('views')
export class StreamController {
  constructor(@Inject(ProjectionsContext) private readonly ctx: ProjectionsContext) {}

  /**
   * Server-Sent Events of read-model changes, sent after each batch commits: `event: <view>`
   * (`stock`, `customer_orders`, `carts`, `notification_deliveries`, `rebuild`), `data: { view, rows, sequence, at }`.
   * Every customer's changes pass here: operators only (a browser opens it with a stream ticket, ADR 0025).
   */
  @Get('stream')
  @ApiOperation({ operationId: 'streamViewChanges', summary: 'Changes to the read models as Server-Sent Events (one event per committed batch)' })
  @OperatorOnly()
  @AcceptsStreamTicket()
  stream(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write('retry: 1000\n: connected\n\n');
    const unsubscribe = this.ctx.changes.subscribe((change) => {
      raw.write(`event: ${change.view}\ndata: ${JSON.stringify({ ...change, rows: toChangeRows(change.view, change.rows) })}\n\n`);
    });
    const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
    const close = (): void => {
      clearInterval(keepalive);
      unsubscribe();
    };
    request.raw.once('close', close);
    raw.once('close', close);
  }
}
