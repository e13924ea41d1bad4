import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { QueryParameters } from '../http/query-parameters';
import { ApiProblems, schemaRef } from '../http/problems.openapi';
import { AccessAudit, type AccessAuditPage, type StoredAccessRecord } from './access-audit.service';
import { Allow } from './access-policy.decorator';
import { CurrentPrincipal } from './current-principal.decorator';
import { OperationMembership } from './operation-membership.service';
import { PAGE_SIZES, pageSize } from './page-size';
import type { Principal } from '@timeline/auth';

class InvalidAuditQueryError extends TimelineError {
  readonly code = 'audit.invalid-query';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(parameter: string, message: string) {
    super(`${parameter} ${message}`, { errors: [{ path: parameter, constraint: 'format', message }] });
  }
}

type QueryValue = string | string[] | undefined;

const PARAMETERS = ['subject', 'agency', 'action', 'operationId', 'from', 'to', 'after', 'limit'];

/**
 * The access audit, for auditors: who read which history or export, when.
 * An auditor sees the records of operations its agency takes part in and the
 * global reads made by principals of its own agency, nothing else.
 */
@ApiTags('history')
@Controller('audit')
export class AccessAuditController {
  constructor(
    @Inject(AccessAudit) private readonly audit: AccessAudit,
    @Inject(OperationMembership) private readonly membership: OperationMembership,
  ) {}

  @Get('access')
  @Allow('auditor')
  @ApiOperation({
    summary: 'The access audit: who read which history, lineage, verification or export, and when',
    description:
      'Records of the operations the caller’s agency takes part in, and global reads by its own agency, ' +
      'oldest first. Follow `next` (as `after`) until it is null.',
  })
  @ApiQuery({ name: 'subject', required: false, schema: { type: 'string', maxLength: 200 } })
  @ApiQuery({ name: 'agency', required: false, schema: { type: 'string', maxLength: 200 } })
  @ApiQuery({
    name: 'action',
    required: false,
    description: 'e.g. `history.read`, `history.export`',
    schema: { type: 'string', maxLength: 200 },
  })
  @ApiQuery({ name: 'operationId', required: false, schema: { type: 'string', maxLength: 200 } })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'Inclusive ISO 8601 date-time',
    schema: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
  })
  @ApiQuery({
    name: 'to',
    required: false,
    description: 'Inclusive ISO 8601 date-time',
    schema: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
  })
  @ApiQuery({
    name: 'after',
    required: false,
    description: 'The previous page’s `next`: records after this sequence number',
    schema: { type: 'integer', minimum: 0, maximum: 999_999_999_999_999 },
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: 'Records per page',
    schema: {
      type: 'integer',
      minimum: 1,
      maximum: PAGE_SIZES.accessAudit.max,
      default: PAGE_SIZES.accessAudit.default,
    },
  })
  @ApiOkResponse({ description: 'A page of access records', schema: schemaRef('AccessAuditRecords') })
  @ApiProblems({
    400: {
      description: 'A parameter given twice or malformed (field-level `errors`)',
      codes: ['audit.invalid-query', 'request.page-size'],
    },
  })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, QueryValue>,
  ): Promise<AccessAuditPage> {
    // A misspelt filter (operationID=…) must not silently widen the answer: refused like every read's.
    new QueryParameters(query, PARAMETERS).throwIfRefused();
    const visibleOperations = new Set(await this.membership.operationsOf(principal.agency));
    return this.audit.query({
      subject: text(query, 'subject'),
      agency: text(query, 'agency'),
      action: text(query, 'action'),
      operationId: text(query, 'operationId'),
      from: instant(query, 'from'),
      to: instant(query, 'to'),
      after: sequence(query, 'after'),
      limit: pageSize(query['limit'], PAGE_SIZES.accessAudit),
      visible: (record: StoredAccessRecord) =>
        record.operationId === null
          ? record.agency === principal.agency
          : visibleOperations.has(record.operationId),
    });
  }
}

function single(query: Record<string, QueryValue>, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new InvalidAuditQueryError(name, 'may be given once');
  return value === undefined || value === '' ? undefined : value;
}

function text(query: Record<string, QueryValue>, name: string): string | undefined {
  const value = single(query, name);
  if (value !== undefined && value.length > 200) throw new InvalidAuditQueryError(name, 'is too long');
  return value;
}

function instant(query: Record<string, QueryValue>, name: string): string | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time)) {
    throw new InvalidAuditQueryError(name, 'must be an ISO 8601 date-time');
  }
  return new Date(time).toISOString();
}

function sequence(query: Record<string, QueryValue>, name: string): number | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new InvalidAuditQueryError(name, 'must be a record sequence number');
  return Number(value);
}
