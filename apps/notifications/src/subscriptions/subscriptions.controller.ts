import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@stockflow/event-sourcing';
import { SubscriptionErrors } from '@stockflow/notifications-context';
import { ApiIdempotencyKey, ApiProblems, type ReplyLike } from '../shared/http.js';
import { ApiPageResponse, NoBodyPipe, PageQuery, pageRequest, type Page } from '@stockflow/platform';
import { CustomerParams, SubscriptionParams } from '../shared/params.js';
import { CreatedSubscription, SubscribeDto, SubscriptionView } from './subscriptions.dto.js';
import { customerSubscriptionsCursor, SubscriptionsService } from './subscriptions.service.js';

@ApiTags('subscriptions')
@Controller()
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post('subscriptions')
  @HttpCode(201)
  @ApiOperation({ summary: 'Subscribe a customer to a SKU (SubscriptionCreated on subscription-<id>)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CreatedSubscription, headers: { Location: { description: '/subscriptions/{id}', schema: { type: 'string' } } } })
  @ApiProblems(400, 409, 413, 415, 422)
  async create(@Body() body: SubscribeDto, @Res({ passthrough: true }) reply: ReplyLike): Promise<CreatedSubscription> {
    const subscriptionId = await this.subscriptions.subscribe(body.customerId, body.sku, body.kind ?? 'back-in-stock');
    reply.header('location', `/subscriptions/${subscriptionId}`);
    return { subscriptionId };
  }

  @Get('subscriptions/:id')
  @ApiOperation({ summary: 'One subscription' })
  @ApiOkResponse({ type: SubscriptionView })
  @ApiProblems(400, 404)
  async get(@Param() params: SubscriptionParams): Promise<SubscriptionView> {
    const view = await this.subscriptions.get(params.id);
    if (!view) throw new DomainError('not-found', `no subscription ${params.id}`, SubscriptionErrors.notFound);
    return view;
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Cancel a subscription (SubscriptionCancelled); cancelling twice is fine' })
  @ApiNoContentResponse({ description: 'Cancelled (or it already was)' })
  @ApiProblems(400, 404, 409)
  async cancel(@Param() params: SubscriptionParams, @Body(NoBodyPipe) _body: unknown): Promise<void> {
    await this.subscriptions.cancel(params.id);
  }

  @Get('customers/:id/subscriptions')
  @ApiOperation({ summary: "A customer's subscriptions, newest first (active, cancelled and fulfilled)" })
  @ApiPageResponse(SubscriptionView)
  @ApiProblems(400)
  list(@Param() params: CustomerParams, @Query() query: PageQuery): Promise<Page<SubscriptionView>> {
    return this.subscriptions.ofCustomer(params.id, pageRequest(customerSubscriptionsCursor, query));
  }
}
