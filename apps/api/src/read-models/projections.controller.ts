import { Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ProjectionRunner, UnknownProjectionError, type ProjectionStatus } from '@timeline/projections';
import { Allow } from '../auth/access-policy.decorator';
import { ApiProblems, schemaRef } from '../http/problems.openapi';

const UNKNOWN_PROJECTION = {
  description: 'No projection of that name',
  codes: ['projections.unknown-projection'],
};

/** Fastify replies and Express responses both have header(). */
interface ReplyLike {
  header(name: string, value: string): unknown;
}

const NAME = {
  name: 'name',
  example: 'timeline',
  description: '`operational-picture` or `timeline`',
  schema: { type: 'string' },
} as const;

/**
 * Operating the read models: a projection's status, and a rebuild from position 0
 * while queries keep being answered from the old state (the runner swaps when the
 * rebuild has caught up). Positions, counts and failures only: no operational content.
 */
@ApiTags('operations')
@Controller('projections')
export class ProjectionsController {
  constructor(@Inject(ProjectionRunner) private readonly runner: ProjectionRunner) {}

  @Get(':name')
  @Allow('admin')
  @ApiOperation({
    summary: 'A projection’s status: position, events, rebuilding, the last rebuild’s outcome, any failure',
  })
  @ApiParam(NAME)
  @ApiOkResponse({ description: 'The projection’s status', schema: schemaRef('Projection') })
  @ApiProblems({ 404: UNKNOWN_PROJECTION })
  status(@Param('name') name: string): ProjectionStatus {
    return this.statusOf(name);
  }

  /**
   * Starts a rebuild and answers at once; the rebuild's progress and outcome are
   * in the projection's status (and the log). A rebuild already under way is
   * joined rather than refused: it reads up to the moment it swaps, so it already
   * includes everything this request could ask for.
   */
  @Post(':name/rebuild')
  @Allow('admin')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rebuild a projection from position 0; queries keep the old state until the swap',
    description:
      'Answers 202 with the projection’s status and a Location to follow (`rebuilding: true` until the swap; ' +
      '`lastRebuild` then tells how it ended). A rebuild already under way is joined. A rebuild that fails ' +
      'leaves the old state in place and is reported in `lastRebuild.error`.',
  })
  @ApiParam(NAME)
  @ApiAcceptedResponse({
    description: 'The rebuild runs (or was already running)',
    schema: schemaRef('Projection'),
    headers: {
      Location: { description: 'The projection’s status', required: true, schema: { type: 'string' } },
    },
  })
  @ApiProblems({
    404: UNKNOWN_PROJECTION,
    503: {
      description: 'The projections are not running (starting or shutting down)',
      codes: ['projections.runner-not-running'],
    },
  })
  rebuild(@Param('name') name: string, @Res({ passthrough: true }) reply: ReplyLike): ProjectionStatus {
    if (!this.statusOf(name).rebuilding) {
      // Its outcome is kept in the projection's status and logged by the runner: nothing is lost by not awaiting it here.
      this.runner.rebuild(name).catch(() => undefined);
    }
    reply.header('Location', `/projections/${encodeURIComponent(name)}`);
    return this.statusOf(name);
  }

  private statusOf(name: string): ProjectionStatus {
    const status = this.runner.currentStatus().projections.find((projection) => projection.name === name);
    if (!status) throw new UnknownProjectionError(name);
    return status;
  }
}
