import { ConflictException, Controller, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorOnly } from '@stockflow/platform';
import { RebuildInProgress, type RebuildReport } from '../engine/rebuild-all.js';
import { ConsumerParams, isKnownConsumer, replayableConsumer, ReplayResultView } from './dead-letter-replay.js';
import { ProjectionsContext } from './projections-context.js';

@ApiTags('admin')
@Controller('admin')
export class AdminController {
  constructor(@Inject(ProjectionsContext) private readonly ctx: ProjectionsContext) {}

  /**
   * Replays every source stream from sequence 1 into fresh tables and swaps them in; answers when
   * done, with the replay figures. 409 while another rebuild runs.
   */
  @Post('rebuild')
  @ApiOperation({ operationId: 'rebuildProjections', summary: 'Rebuild every read model from the event streams and swap it in while serving' })
  @OperatorOnly()
  @HttpCode(200)
  async rebuild(): Promise<RebuildReport> {
    try {
      return await this.ctx.rebuild();
    } catch (error) {
      if (error instanceof RebuildInProgress) throw new ConflictException(error.message);
      throw error;
    }
  }

  /**
   * Sends every dead letter of one consumer back to it, through the operation the operator CLI
   * uses (`stockflow replay`, ADR 0036): the dashboard's replay button.
   */
  @Post('dead-letters/:consumer/replay')
  @ApiOperation({ operationId: 'replayDeadLetters', summary: "Send a consumer's dead letters back to it, after a fix" })
  @OperatorOnly()
  @HttpCode(200)
  @ApiOkResponse({ type: ReplayResultView })
  @ApiNotFoundResponse({ description: 'No such consumer' })
  @ApiConflictResponse({ description: 'A projection: rebuild it instead (POST /admin/rebuild)' })
  async replayDeadLetters(@Param() params: ConsumerParams): Promise<ReplayResultView> {
    if (!isKnownConsumer(params.consumer)) throw new NotFoundException(`no consumer ${params.consumer}`);
    if (!replayableConsumer(params.consumer)) throw new ConflictException(`${params.consumer} is a projection: rebuild the read models instead (POST /admin/rebuild)`);
    const { replayed, seqs } = await this.ctx.replayDeadLetters(params.consumer);
    return { consumer: params.consumer, replayed, seqs: [...seqs] };
  }
}
