import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Allow, AuditAccess } from '../auth/access-policy.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parseLogHistoryQuery, type RawQuery } from './history-query';
import { HistoryService, type LogHistoryPage } from './history.service';

/** The global log for auditors: every operation their agency takes part in, in commit order. */
@ApiTags('history')
@Controller()
export class LogHistoryController {
  constructor(@Inject(HistoryService) private readonly history: HistoryService) {}

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
  })
  @ApiQuery({ name: 'limit', required: false, description: 'Events per page, 1–1000, default 100' })
  @ApiQuery({ name: 'type', required: false, description: 'Event types, comma-separated or repeated' })
  @ApiQuery({
    name: 'agency',
    required: false,
    description: 'Recording agencies, comma-separated or repeated',
  })
  @ApiQuery({ name: 'operationId', required: false })
  @ApiQuery({ name: 'recordedFrom', required: false, description: 'Inclusive ISO 8601 date-time' })
  @ApiQuery({ name: 'recordedTo', required: false, description: 'Exclusive ISO 8601 date-time' })
  @ApiOkResponse({ description: '{ events: TimelineEvent[], examinedUpTo, next: { after, href } | null }' })
  events(@Query() query: RawQuery, @CurrentPrincipal() principal: Principal): Promise<LogHistoryPage> {
    return this.history.logEvents(parseLogHistoryQuery(query), principal);
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
  verify(@CurrentPrincipal() principal: Principal) {
    return this.history.verifyLog(principal);
  }
}
