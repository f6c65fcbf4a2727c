import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiPreconditionFailedResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { OperatorOnly, currentEventMetadata, entityTag, IfMatchVersion } from '@stockflow/platform';
import { SkuCommands } from '../shared/sku-commands.js';
import { SkuParams } from '../shared/sku-params.js';
import { SkuView, toSkuView, type ReplyHeaders } from '../shared/sku-view.js';
import { ReceiveStockDto } from './receive-stock.dto.js';

@ApiTags('skus')
@Controller('skus')
export class ReceiveStockController {
  constructor(private readonly commands: SkuCommands) {}

  /** Books goods received into stock (a restock). */
  @Post(':sku/receipts')
  @ApiOperation({ operationId: 'receiveStock', summary: 'Receive stock into a SKU (a restock from zero tells its waiting subscribers)' })
  @OperatorOnly()
  @HttpCode(200)
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag last seen: the receipt applies only to that version.' })
  @ApiOkResponse({ type: SkuView, description: 'The SKU after the receipt; ETag carries its version.' })
  @ApiBadRequestResponse({ description: 'Invalid SKU or body (problem+json with field errors).' })
  @ApiNotFoundResponse({ description: 'No such SKU.' })
  @ApiPreconditionFailedResponse({ description: 'If-Match names an older version.' })
  async receive(
    @Param() params: SkuParams,
    @Body() body: ReceiveStockDto,
    @IfMatchVersion() expectedVersion: number | undefined,
    @Res({ passthrough: true }) reply: ReplyHeaders,
  ): Promise<SkuView> {
    const result = await this.commands.execute(
      { type: 'ReceiveStock', sku: params.sku, quantity: body.quantity },
      { metadata: currentEventMetadata(), expectedVersion },
    );
    // A receipt always appends, so the version is known.
    const view = toSkuView(result.state, result.version!);
    reply.header('etag', entityTag(view.version));
    return view;
  }
}
