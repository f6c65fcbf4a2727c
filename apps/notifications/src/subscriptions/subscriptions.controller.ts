import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@stockflow/event-sourcing';
import { SubscriptionErrors } from '@stockflow/notifications-context';
import { ApiIdempotencyKey, ApiProblems, type ReplyLike } from '../shared/http.js';
import { ApiPageResponse, CurrentCaller, ForCustomers, assertActsForThemselves, assertOwnResource, reachesCustomer, type Caller, NoBodyPipe, PageQuery, pageRequest, type Page } from '@stockflow/platform';
import { CustomerParams, SubscriptionParams } from '../shared/params.js';
import { CreatedSubscription, SubscribeDto, SubscriptionView } from './subscriptions.dto.js';
import { customerSubscriptionsCursor, SubscriptionsService } from './subscriptions.service.js';

@ApiTags('subscriptions')
@Controller()
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post('subscriptions')
  @ForCustomers()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createSubscription', summary: 'Subscribe a customer to a SKU (SubscriptionCreated on subscription-<id>)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CreatedSubscription, headers: { Location: { description: '/subscriptions/{id}', schema: { type: 'string' } } } })
  @ApiProblems(400, 409, 413, 415, 422)
  async create(@Body() body: SubscribeDto, @Res({ passthrough: true }) reply: ReplyLike, @CurrentCaller() caller: Caller): Promise<CreatedSubscription> {
    assertActsForThemselves(caller, body.customerId);
    const subscriptionId = await this.subscriptions.subscribe(body.customerId, body.sku, body.kind ?? 'back-in-stock');
    reply.header('location', `/subscriptions/${subscriptionId}`);
    return { subscriptionId };
  }

  @Get('subscriptions/:id')
  @ForCustomers()
  @ApiOperation({ operationId: 'getSubscription', summary: 'One subscription' })
  @ApiOkResponse({ type: SubscriptionView })
  @ApiProblems(400, 404)
  async get(@Param() params: SubscriptionParams, @CurrentCaller() caller: Caller): Promise<SubscriptionView> {
    return this.reachable(params.id, caller);
  }

  /** The subscription, when the caller may reach it; someone else's is answered as one that does not exist (ADR 0025). */
  private async reachable(id: string, caller: Caller): Promise<SubscriptionView> {
    const view = await this.subscriptions.get(id);
    if (!view || !reachesCustomer(caller, view.customerId)) throw new DomainError('not-found', `no subscription ${id}`, SubscriptionErrors.notFound);
    return view;
  }

  @Delete('subscriptions/:id')
  @ForCustomers()
  @HttpCode(204)
  @ApiOperation({ operationId: 'cancelSubscription', summary: 'Cancel a subscription (SubscriptionCancelled); cancelling twice is fine' })
  @ApiNoContentResponse({ description: 'Cancelled (or it already was)' })
  @ApiProblems(400, 404, 409)
  async cancel(@Param() params: SubscriptionParams, @Body(NoBodyPipe) _body: unknown, @CurrentCaller() caller: Caller): Promise<void> {
    await this.reachable(params.id, caller);
    await this.subscriptions.cancel(params.id);
  }

  @Get('customers/:id/subscriptions')
  @ForCustomers()
  @ApiOperation({ operationId: 'listCustomerSubscriptions', summary: "A customer's subscriptions, newest first (active, cancelled and fulfilled)" })
  @ApiPageResponse(SubscriptionView)
  @ApiProblems(400)
  list(@Param() params: CustomerParams, @Query() query: PageQuery, @CurrentCaller() caller: Caller): Promise<Page<SubscriptionView>> {
    assertOwnResource(caller, params.id, 'customer');
    return this.subscriptions.ofCustomer(params.id, pageRequest(customerSubscriptionsCursor, query));
  }
}
