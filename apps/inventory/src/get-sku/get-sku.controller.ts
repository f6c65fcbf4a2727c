import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { DomainError } from '@stockflow/event-sourcing';
import { Authenticated, entityTag } from '@stockflow/platform';
import { SkuErrorCodes } from '../domain/sku.js';
import { SkuCommands } from '../shared/sku-commands.js';
import { SkuParams } from '../shared/sku-params.js';
import { SkuView, toSkuView, type ReplyHeaders } from '../shared/sku-view.js';

@ApiTags('skus')
@Controller('skus')
export class GetSkuController {
  constructor(private readonly commands: SkuCommands) {}

  /** A SKU's stock figures; ETag carries its version for If-Match on the next write. */
  @Get(':sku')
  @ApiOperation({ operationId: 'getSku', summary: 'A SKU\'s stock: on hand, reserved, available' })
  @Authenticated()
  @ApiOkResponse({ type: SkuView })
  @ApiBadRequestResponse({ description: 'Invalid SKU code.' })
  @ApiNotFoundResponse({ description: 'No such SKU.' })
  async get(@Param() params: SkuParams, @Res({ passthrough: true }) reply: ReplyHeaders): Promise<SkuView> {
    const { state, version } = await this.commands.read(params.sku);
    if (!state.registered) throw new DomainError('not-found', `SKU ${params.sku} is not registered`, SkuErrorCodes.notFound);
    reply.header('etag', entityTag(version));
    return toSkuView(state, version);
  }
}
