import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { Authenticated, CurrentCaller } from './access.js';
import type { Caller } from './caller.js';
import { STREAM_TICKET_TTL_SECONDS, StreamTickets } from './stream-tickets.js';

export class StreamTicketRequest {
  @ApiProperty({ description: 'The path of the stream the ticket opens, e.g. /views/stream', example: '/views/stream' })
  @IsString()
  @MaxLength(300)
  @Matches(/^\/[A-Za-z0-9\-._~/%:@]*$/, { message: 'path must be an absolute path without a query' })
  path!: string;
}

/** `POST /auth/stream-tickets`: a bearer token traded for a 60-second ticket to one SSE path (ADR 0025). */
@Controller('auth')
export class StreamTicketsController {
  constructor(@Inject(StreamTickets) private readonly tickets: StreamTickets) {}

  @Post('stream-tickets')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ operationId: 'issueStreamTicket', summary: 'A short-lived ticket for one Server-Sent Events path: GET <path>?ticket=<ticket>' })
  async issue(@Body() body: StreamTicketRequest, @CurrentCaller() caller: Caller): Promise<{ ticket: string; expiresIn: number }> {
    return { ticket: await this.tickets.issue(caller, body.path), expiresIn: STREAM_TICKET_TTL_SECONDS };
  }
}
