import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, ForCustomers, assertOwnResource, type Caller } from '@stockflow/platform';
import { ApiProblems } from '../shared/http.js';
import { CustomerParams } from '../shared/params.js';
import { PreferencesDto, PreferencesView } from './preferences.dto.js';
import { PreferencesService } from './preferences.service.js';

@ApiTags('preferences')
@Controller('customers/:id/preferences')
export class PreferencesController {
  constructor(private readonly preferences: PreferencesService) {}

  @Put()
  @ForCustomers()
  @ApiOperation({ operationId: 'setPreferences',
    summary: "Set a customer's contact details and notification preferences",
    description: 'Replaces the whole set (NotificationPreferencesSet on customer-<id>); the same set again records nothing.',
  })
  @ApiOkResponse({ type: PreferencesView })
  @ApiProblems(400, 413, 415)
  put(@Param() params: CustomerParams, @Body() body: PreferencesDto, @CurrentCaller() caller: Caller): Promise<PreferencesView> {
    assertOwnResource(caller, params.id, 'customer');
    return this.preferences.set(params.id, body);
  }

  @Get()
  @ForCustomers()
  @ApiOperation({ operationId: 'getPreferences', summary: "A customer's notification preferences" })
  @ApiOkResponse({ type: PreferencesView })
  @ApiProblems(400, 404)
  get(@Param() params: CustomerParams, @CurrentCaller() caller: Caller): Promise<PreferencesView> {
    assertOwnResource(caller, params.id, 'customer');
    return this.preferences.get(params.id);
  }
}
