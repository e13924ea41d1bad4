import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { DailySeries, TimelinePage } from '@timeline/projections';
import { AllowOnOperation } from '../auth/access-policy.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ApiReadModelQueries } from './picture.controller';
import { IssuedPositions } from './issued-positions';
import { parseDailySeriesQuery, parseTimelineQuery, type RawQuery } from './read-model.query';
import { ReadModelsService } from './read-models.service';
import { TIMELINE_CURSORS, type TimelineCursors } from './timeline-cursors';

@ApiTags('timeline')
@Controller('operations/:operationId/timeline')
export class TimelineController {
  constructor(
    @Inject(ReadModelsService) private readonly readModels: ReadModelsService,
    @Inject(IssuedPositions) private readonly positions: IssuedPositions,
    @Inject(TIMELINE_CURSORS) private readonly cursors: TimelineCursors,
  ) {}

  @Get()
  @AllowOnOperation(['analyst', 'auditor'])
  @ApiOperation({
    summary: 'The operation’s timeline, by occurred time',
    description:
      'Entries in occurredAt order (ties by position). A corrected entry shows its current value and its history; ' +
      'a retracted one is marked, not removed. Follow `nextCursor` for the next page.',
  })
  @ApiParam({ name: 'operationId', example: 'venetic' })
  @ApiQuery({ name: 'type', required: false, description: 'Event types, comma-separated or repeated' })
  @ApiQuery({ name: 'agency', required: false, description: 'Agency codes, comma-separated or repeated' })
  @ApiQuery({ name: 'from', required: false, description: 'Occurred at or after (ISO 8601)' })
  @ApiQuery({ name: 'to', required: false, description: 'Occurred at or before (ISO 8601)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1–500, default 50' })
  @ApiReadModelQueries()
  async timeline(
    @Param('operationId') operationId: string,
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TimelinePage> {
    const request = await parseTimelineQuery(query, this.positions, this.cursors);
    return this.readModels.timeline(operationId, request.query, request, principal);
  }

  @Get('daily')
  @AllowOnOperation(['analyst', 'auditor'])
  @ApiOperation({ summary: 'Per-day counts and seizure totals, with cumulative sums, for charts' })
  @ApiParam({ name: 'operationId', example: 'venetic' })
  @ApiQuery({ name: 'type', required: false })
  @ApiReadModelQueries()
  async daily(@Param('operationId') operationId: string, @Query() query: RawQuery): Promise<DailySeries> {
    const request = await parseDailySeriesQuery(query, this.positions);
    return this.readModels.dailySeries(operationId, request.query, request);
  }
}
