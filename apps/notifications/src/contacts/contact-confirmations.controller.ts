import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, ForCustomers, assertOwnResource, type Caller } from '@stockflow/platform';
import { ApiProblems } from '../shared/http.js';
import { ConfirmContactDto, ContactChannelParams } from './contact-confirmations.dto.js';
import { ContactConfirmationsService } from './contact-confirmations.service.js';

@ApiTags('preferences')
@Controller('customers/:id/contacts/:channel/confirm')
export class ContactConfirmationsController {
  constructor(private readonly confirmations: ContactConfirmationsService) {}

  @Post()
  @ForCustomers()
  @HttpCode(204)
  @ApiOperation({ operationId: 'confirmContact',
    summary: 'Confirm the email address or phone number of the preferences with the code sent to it',
    description:
      'Setting preferences with email or SMS on sends a six-digit code to the address or number (valid 24 h; five wrong codes lock it). ' +
      'Until it is confirmed, that channel gets no notifications. Setting the preferences again sends a new code when the last one expired or locked.',
  })
  @ApiNoContentResponse({ description: 'Confirmed (or already confirmed)' })
  @ApiProblems(400, 404, 409, 422)
  async confirm(@Param() params: ContactChannelParams, @Body() body: ConfirmContactDto, @CurrentCaller() caller: Caller): Promise<void> {
    // A customer confirms only their own contacts: someone else's answer 404 (operators may not write customer routes: the guard, ADR 0025).
    assertOwnResource(caller, params.id, 'customer');
    await this.confirmations.confirm(params.id, params.channel, body.code);
  }
}
