import { Controller, Get, Inject, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { EventLineage, StreamVerification } from '@timeline/integrity';
import { AllowOnOperation, AuditAccess } from '../auth/access-policy.decorator';
import { PAGE_SIZES } from '../auth/page-size';
import { ApiProblems, schemaRef } from '../http/problems.openapi';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '@timeline/auth';
import { noQueryParameters } from '../http/query-parameters';
import {
  checkEventId,
  checkOperationIdParameter,
  parseStreamHistoryQuery,
  type RawQuery,
} from './history-query';
import { HistoryService, type StreamHistoryPage } from './history.service';

const OPERATION_PARAM = {
  name: 'operationId',
  description: 'The operation (stream operation-<operationId>)',
  example: 'venetic',
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
} as const;

const INVALID_QUERY = {
  description: 'An unknown or malformed parameter (field-level `errors`)',
  codes: ['request.invalid-query', 'request.page-size'],
};

/** One operation's history for auditors: its events as stored, an event's lineage, chain verification and export. */
@ApiTags('history')
@Controller('operations/:operationId')
export class OperationHistoryController {
  constructor(@Inject(HistoryService) private readonly history: HistoryService) {}

  @Get('events')
  @AllowOnOperation(['auditor'])
  @AuditAccess('history.read')
  @ApiOperation({
    summary: "An operation's events exactly as stored, with their full envelope",
    description:
      'Paginated by stream revision, forwards or backwards; `next.href` continues the same query. ' +
      'Each event carries occurredAt and recordedAt, recordedBy and agency, its revision, global position, prevHash and hash.',
  })
  @ApiParam(OPERATION_PARAM)
  @ApiQuery({
    name: 'direction',
    required: false,
    schema: { type: 'string', enum: ['forwards', 'backwards'], default: 'forwards' },
  })
  @ApiQuery({
    name: 'fromRevision',
    required: false,
    description: 'Inclusive; default the first (forwards) or last (backwards) event',
    schema: { type: 'integer', minimum: 0, maximum: 999_999_999_999_999 },
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
  @ApiOkResponse({
    description: 'A page of the operation’s events',
    schema: schemaRef('OperationHistoryPage'),
  })
  @ApiProblems({ 400: INVALID_QUERY })
  events(
    @Param('operationId') operationId: string,
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StreamHistoryPage> {
    return this.history.operationEvents(operationId, parseStreamHistoryQuery(operationId, query), principal);
  }

  @Get('events/:eventId/lineage')
  @AllowOnOperation(['auditor'])
  @AuditAccess('history.lineage')
  @ApiOperation({
    summary:
      'The corrections and the retraction applying to an event, in the order recorded, with who and when',
  })
  @ApiParam(OPERATION_PARAM)
  @ApiParam({ name: 'eventId', description: 'The event (UUID)', schema: { type: 'string', format: 'uuid' } })
  @ApiOkResponse({ description: 'The event and what changed it', schema: schemaRef('Lineage') })
  @ApiProblems({
    400: INVALID_QUERY,
    404: { description: 'The operation holds no such event', codes: ['history.event-not-found'] },
  })
  lineage(
    @Param('operationId') operationId: string,
    @Param('eventId') eventId: string,
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EventLineage> {
    noQueryParameters(query);
    checkOperationIdParameter(operationId);
    checkEventId(eventId);
    return this.history.lineage(operationId, eventId, principal);
  }

  @Get('verify')
  @AllowOnOperation(['auditor'])
  @AuditAccess('history.verify')
  @ApiOperation({
    summary: "Recompute the operation's hash chain",
    description:
      '200 either way: `{ ok: true, events, head: { revision, hash } }`, or `{ ok: false, events, brokenAt: { revision, eventId, position, reason, expected, actual } }` naming the first broken link.',
  })
  @ApiParam(OPERATION_PARAM)
  @ApiOkResponse({
    description: '200 whether the chain holds or not',
    schema: schemaRef('OperationVerification'),
  })
  @ApiProblems({ 400: INVALID_QUERY })
  verify(@Param('operationId') operationId: string, @Query() query: RawQuery): Promise<StreamVerification> {
    noQueryParameters(query);
    checkOperationIdParameter(operationId);
    return this.history.verifyOperation(operationId);
  }

  @Get('export')
  @AllowOnOperation(['auditor'])
  @AuditAccess('history.export')
  @ApiOperation({
    summary: 'Evidential export: the events as NDJSON, then the manifest as the last line',
    description:
      'Streamed (application/x-ndjson): one event per line (canonical JSON, revision order), then one line `{"manifest": {…}}` ' +
      'with counts by type, first/last position and recorded time, chain head, export time, exporter, software version and the ' +
      'SHA-256 of the event lines. Check it offline with `npm run cli -- verify-export <file>`. A response without the manifest line is incomplete.',
  })
  @ApiParam(OPERATION_PARAM)
  @ApiOkResponse({
    description: 'One canonical JSON event per line, then `{"manifest": {…}}`',
    headers: {
      'Content-Disposition': {
        description: 'attachment; filename="<operationId>-<time>.ndjson"',
        required: true,
        schema: { type: 'string' },
      },
    },
    content: { 'application/x-ndjson': { schema: { type: 'string' } } },
  })
  @ApiProblems({ 400: INVALID_QUERY })
  async export(
    @Param('operationId') operationId: string,
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StreamableFile> {
    noQueryParameters(query);
    checkOperationIdParameter(operationId);
    const { filename, body } = await this.history.exportOperation(operationId, principal);
    return new StreamableFile(body, {
      type: 'application/x-ndjson; charset=utf-8',
      disposition: `attachment; filename="${filename}"`,
    });
  }
}
