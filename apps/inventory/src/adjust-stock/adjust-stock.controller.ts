import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPreconditionFailedResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { OperatorOnly, currentEventMetadata, entityTag, IfMatchVersion } from '@stockflow/platform';
import { SkuCommands } from '../shared/sku-commands.js';
import { SkuParams } from '../shared/sku-params.js';
import { SkuView, toSkuView, type ReplyHeaders } from '../shared/sku-view.js';
import { AdjustStockDto } from './adjust-stock.dto.js';

@ApiTags('skus')
@Controller('skus')
export class AdjustStockController {
  constructor(private readonly commands: SkuCommands) {}

  /** Corrects on-hand stock (count, damage, loss). */
  @Post(':sku/adjustments')
  @ApiOperation({ operationId: 'adjustStock', summary: 'Correct the on-hand stock of a SKU after a count' })
  @OperatorOnly()
  @HttpCode(200)
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag last seen: the adjustment applies only to that version.' })
  @ApiOkResponse({ type: SkuView, description: 'The SKU after the adjustment; ETag carries its version.' })
  @ApiBadRequestResponse({ description: 'Invalid SKU or body (problem+json with field errors).' })
  @ApiNotFoundResponse({ description: 'No such SKU.' })
  @ApiPreconditionFailedResponse({ description: 'If-Match names an older version.' })
  @ApiUnprocessableEntityResponse({ description: 'On-hand stock would drop below what is reserved (code adjustment-below-reserved).' })
  async adjust(
    @Param() params: SkuParams,
    @Body() body: AdjustStockDto,
    @IfMatchVersion() expectedVersion: number | undefined,
    @Res({ passthrough: true }) reply: ReplyHeaders,
  ): Promise<SkuView> {
    const result = await this.commands.execute(
      { type: 'AdjustStock', sku: params.sku, delta: body.delta, reason: body.reason },
      { metadata: currentEventMetadata(), expectedVersion },
    );
    const view = toSkuView(result.state, result.version!);
    reply.header('etag', entityTag(view.version));
    return view;
  }
}
