import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentCaller, assertOwnResource, type Caller } from '@stockflow/platform';
import { ApiProblems } from '../shared/http.js';
import { CustomerParams } from '../shared/params.js';
import { CustomerErasureService } from './customer-erasure.service.js';

@ApiTags('preferences')
@Controller('customers/:id')
export class CustomerErasureController {
  constructor(private readonly erasure: CustomerErasureService) {}

  @Delete()
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ operationId: 'eraseCustomer',
    summary: "Erase a customer's contact details (right to erasure)",
    description:
      'Their email address and phone number leave every read model, and the copies in the event log and in JetStream become unreadable ' +
      '(their data key is destroyed: ADR 0029). The customer themself or an operator (a support or legal request). Idempotent: 204 whether or not there was anything to erase.',
  })
  @ApiNoContentResponse({ description: 'Erased, or nothing to erase' })
  @ApiProblems(400, 404)
  async erase(@Param() params: CustomerParams, @CurrentCaller() caller: Caller): Promise<void> {
    // Another customer's id answers 404; operators may erase (ADR 0025, 0029).
    assertOwnResource(caller, params.id, 'customer');
    await this.erasure.erase(params.id);
  }
}
