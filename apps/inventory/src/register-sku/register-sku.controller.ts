import { Body, Controller, Post, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { OperatorOnly, currentEventMetadata, entityTag } from '@stockflow/platform';
import { SkuCommands } from '../shared/sku-commands.js';
import type { ReplyHeaders } from '../shared/sku-view.js';
import { RegisterSkuDto, RegisterSkuResponse } from './register-sku.dto.js';

@ApiTags('skus')
@Controller('skus')
export class RegisterSkuController {
  constructor(private readonly commands: SkuCommands) {}

  /** Adds a SKU to the catalogue with no stock. */
  @Post()
  @ApiOperation({ operationId: 'registerSku', summary: 'Register a SKU with its name, initial stock and low-stock threshold' })
  @OperatorOnly()
  @ApiCreatedResponse({
    type: RegisterSkuResponse,
    description: 'Registered.',
    headers: { Location: { description: '/skus/{sku}', schema: { type: 'string' } }, ETag: { description: 'The stream version', schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({ description: 'Invalid body (problem+json with field errors).' })
  @ApiConflictResponse({ description: 'The SKU is already registered (code sku-already-registered).' })
  async register(@Body() body: RegisterSkuDto, @Res({ passthrough: true }) reply: ReplyHeaders): Promise<RegisterSkuResponse> {
    const result = await this.commands.execute(
      { type: 'RegisterSku', sku: body.sku, name: body.name, lowStockThreshold: body.lowStockThreshold ?? 0 },
      { metadata: currentEventMetadata() },
    );
    reply.header('location', `/skus/${encodeURIComponent(body.sku)}`);
    if (result.version !== null) reply.header('etag', entityTag(result.version));
    return { sku: body.sku };
  }
}
