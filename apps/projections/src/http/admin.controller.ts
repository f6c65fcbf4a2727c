import { ConflictException, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { OperatorOnly } from '@stockflow/platform';
import { RebuildInProgress, type RebuildReport } from '../engine/rebuild-all.js';
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
}
