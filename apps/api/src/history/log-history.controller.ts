import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Allow, AuditAccess } from '../auth/access-policy.decorator';
import { PAGE_SIZES } from '../auth/page-size';
import { ApiProblems, schemaRef } from '../http/problems.openapi';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '@timeline/auth';
import { noQueryParameters } from '../http/query-parameters';
import { IssuedPositions } from '../read-models/issued-positions';
import { parseLogHistoryQuery, type RawQuery } from './history-query';
import { HistoryService, type LogHistoryPage } from './history.service';

/** The global log for auditors: every operation their agency takes part in, in commit order. */
@ApiTags('history')
@Controller()
export class LogHistoryController {
  constructor(
    @Inject(HistoryService) private readonly history: HistoryService,
    @Inject(IssuedPositions) private readonly positions: IssuedPositions,
  ) {}

  @Get('events')
  @Allow('auditor')
  @AuditAccess('history.read-log')
  @ApiOperation({
    summary: 'The global log from a position, filtered',
    description:
      'Events of the operations the caller’s agency takes part in, in commit order, exactly as stored. ' +
      'A page may hold fewer than `limit` events when filters are narrow (at most 10,000 events are examined per request): ' +
      'follow `next.href` until `next` is null; `examinedUpTo` is the cursor to poll from later.',
  })
  @ApiQuery({
    name: 'after',
    required: false,
    description: 'Exclusive position, as returned in `position`/`examinedUpTo`',
    schema: { type: 'string', example: '42' },
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: 'Events per page',
    schema: {
      type: 'integer',
      minimum: 1,
      maximum: PAGE_SIZES.events.max,
      default: PAGE_SIZES.events.default,
    },
  })
  @ApiQuery({
    name: 'type',
    required: false,
    description: 'Event types, comma-separated or repeated',
    schema: { type: 'string' },
  })
  @ApiQuery({
    name: 'agency',
    required: false,
    description: 'Recording agencies, comma-separated or repeated',
    schema: { type: 'string' },
  })
  @ApiQuery({
    name: 'operationId',
    required: false,
    schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
  })
  @ApiQuery({
    name: 'recordedFrom',
    required: false,
    description: 'Inclusive ISO 8601 date-time',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({
    name: 'recordedTo',
    required: false,
    description: 'Exclusive ISO 8601 date-time, later than recordedFrom',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiOkResponse({ description: 'A page of the log', schema: schemaRef('LogPage') })
  @ApiProblems({
    400: {
      description: 'An unknown or malformed query parameter (field-level `errors`)',
      codes: ['request.invalid-query', 'request.page-size'],
    },
    404: {
      description:
        '`operationId` names an operation that does not exist or that the caller’s agency takes no part in',
      codes: ['history.operation-not-found'],
    },
  })
  async events(@Query() query: RawQuery, @CurrentPrincipal() principal: Principal): Promise<LogHistoryPage> {
    return this.history.logEvents(await parseLogHistoryQuery(query, this.positions), principal);
  }

  @Get('verify')
  @Allow('auditor')
  @AuditAccess('history.verify-log')
  @ApiOperation({
    summary: 'Recompute every operation’s hash chain in one pass over the log',
    description:
      '`{ ok: true, events, streams: [{ operationId, revision, hash }], lastPosition }` or `{ ok: false, events, brokenAt }`. ' +
      'Whole-log figures only for callers who also hold `admin`: everyone else gets the events, heads and last position ' +
      'of its own operations, and a break elsewhere reported by its reason only (`events` is then null).',
  })
  @ApiOkResponse({
    description: '200 whether the chains hold or not',
    schema: schemaRef('LogVerificationResult'),
  })
  verify(@Query() query: RawQuery, @CurrentPrincipal() principal: Principal) {
    noQueryParameters(query);
    return this.history.verifyLog(principal);
  }
}
