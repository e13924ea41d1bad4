import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiProblems, schemaRef } from '../http/problems.openapi';
import {
  DEFAULT_TIMELINE_LIMIT,
  MAX_TIMELINE_LIMIT,
  type DailySeries,
  type TimelinePage,
} from '@timeline/projections';

const EVENT_TYPES_LIST = 'Event types, comma-separated or repeated';
import { AllowOnOperation } from '../auth/access-policy.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '@timeline/auth';
import {
  ApiReadModelQueries,
  ISO_DATE_OR_TIME,
  OPERATION_ID_PARAM,
  READ_MODEL_REFUSALS,
} from './picture.controller';
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
  @ApiParam(OPERATION_ID_PARAM)
  @ApiQuery({ name: 'type', required: false, description: EVENT_TYPES_LIST, schema: { type: 'string' } })
  @ApiQuery({
    name: 'agency',
    required: false,
    description: 'Agency codes, comma-separated or repeated',
    schema: { type: 'string' },
  })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'Occurred at or after (ISO 8601 date or date-time)',
    schema: ISO_DATE_OR_TIME,
  })
  @ApiQuery({
    name: 'to',
    required: false,
    description: 'Occurred at or before (ISO 8601 date or date-time)',
    schema: ISO_DATE_OR_TIME,
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: 'The previous page’s `nextCursor`',
    schema: { type: 'string' },
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: 'Entries per page',
    schema: { type: 'integer', minimum: 1, maximum: MAX_TIMELINE_LIMIT, default: DEFAULT_TIMELINE_LIMIT },
  })
  @ApiReadModelQueries()
  @ApiOkResponse({ schema: schemaRef('Timeline'), description: 'A page of the timeline' })
  @ApiProblems(READ_MODEL_REFUSALS)
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
  @ApiParam(OPERATION_ID_PARAM)
  @ApiQuery({ name: 'type', required: false, description: EVENT_TYPES_LIST, schema: { type: 'string' } })
  @ApiReadModelQueries()
  @ApiOkResponse({ schema: schemaRef('TimelineDailySeries'), description: 'One point per day with events' })
  @ApiProblems(READ_MODEL_REFUSALS)
  async daily(@Param('operationId') operationId: string, @Query() query: RawQuery): Promise<DailySeries> {
    const request = await parseDailySeriesQuery(query, this.positions);
    return this.readModels.dailySeries(operationId, request.query, request);
  }
}
