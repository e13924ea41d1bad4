import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiProblems, schemaRef } from '../http/problems.openapi';
import type { NationalPictureView, OperationalPictureView } from '@timeline/projections';
import { Allow, AllowOnOperation } from '../auth/access-policy.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '@timeline/auth';
import { IssuedPositions } from './issued-positions';
import { MAX_WAIT_MS, parseNationalQuery, parsePictureQuery, type RawQuery } from './read-model.query';
import { ReadModelsService } from './read-models.service';

/** ISO 8601 as the read routes take it: a date, or a date-time with its offset. */
export const ISO_DATE_OR_TIME = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
};

const READ_YOUR_WRITES_QUERIES = [
  {
    name: 'minPosition',
    description: 'Read-your-writes: wait until the read model reflects this position (from a write response)',
    schema: { type: 'string', example: '42' },
  },
  {
    name: 'waitMs',
    description: 'How long to wait for minPosition, in ms; then 503 with Retry-After',
    schema: { type: 'integer', minimum: 0, maximum: MAX_WAIT_MS, default: 2000 },
  },
];

const FRESHNESS_QUERIES = [
  ...READ_YOUR_WRITES_QUERIES,
  {
    name: 'knownAt',
    description:
      'Time travel: as known at this recorded time (ISO 8601): later recordings, corrections and retractions left out',
    schema: ISO_DATE_OR_TIME,
  },
  {
    name: 'knownAtPosition',
    description: 'Time travel: as known at this global position',
    schema: { type: 'string', example: '42' },
  },
  {
    name: 'happenedBy',
    description: 'As it had happened by this occurred time (ISO 8601), with everything known now',
    schema: ISO_DATE_OR_TIME,
  },
  {
    name: 'view',
    description: '`as-corrected` (default) or `as-recorded` (no correction or retraction applied)',
    schema: { type: 'string', enum: ['as-corrected', 'as-recorded'], default: 'as-corrected' },
  },
];

/** A read model's refusals of its query and of a read-your-writes wait. */
export const READ_MODEL_REFUSALS = {
  400: {
    description:
      'An unknown or malformed query parameter, or time-travel parameters combined (field-level `errors`)',
    codes: [
      'request.invalid-query',
      'projections.invalid-timeline-query',
      'projections.invalid-position',
      'projections.invalid-time-travel',
    ],
  },
  503: {
    description:
      'The read model did not reach minPosition within waitMs, or the projection failed; retry after Retry-After',
    codes: [
      'projections.position-timeout',
      'projections.projection-failed',
      'projections.runner-not-running',
    ],
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before trying again',
        schema: { type: 'string', pattern: '^\\d+$' },
      },
    },
  },
};

function applyQueries(queries: readonly { name: string }[]): MethodDecorator {
  return (target, key, descriptor) => {
    for (const query of queries) ApiQuery({ ...query, required: false })(target, key, descriptor);
  };
}

export const OPERATION_ID_PARAM = {
  name: 'operationId',
  example: 'venetic',
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
} as const;

/** Applies the shared query documentation (freshness, time travel, view) to a read route. */
export function ApiReadModelQueries(): MethodDecorator {
  return applyQueries(FRESHNESS_QUERIES);
}

/** Applies the read-your-writes query documentation to a read route without time travel. */
export function ApiReadYourWritesQueries(): MethodDecorator {
  return applyQueries(READ_YOUR_WRITES_QUERIES);
}

@ApiTags('picture')
@Controller()
export class PictureController {
  constructor(
    @Inject(ReadModelsService) private readonly readModels: ReadModelsService,
    @Inject(IssuedPositions) private readonly positions: IssuedPositions,
  ) {}

  @Get('operations')
  @Allow('recorder', 'analyst', 'auditor')
  @ApiOperation({ summary: 'The operations the caller’s agency takes part in' })
  @ApiReadYourWritesQueries()
  @ApiOkResponse({ schema: schemaRef('OperationList'), description: 'By operation id' })
  @ApiProblems(READ_MODEL_REFUSALS)
  async operations(
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ operations: NationalPictureView['operations'] }> {
    const request = await parseNationalQuery(query, this.positions);
    return { operations: await this.readModels.operations(request, principal) };
  }

  @Get('picture')
  @Allow('analyst', 'auditor')
  @ApiOperation({
    summary: 'The national picture across the operations the caller’s agency takes part in',
    description: 'Stamped with the global position, event count and last recorded time it reflects.',
  })
  @ApiReadYourWritesQueries()
  @ApiOkResponse({ schema: schemaRef('NationalPicture'), description: 'The national picture' })
  @ApiProblems(READ_MODEL_REFUSALS)
  async nationalPicture(
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NationalPictureView> {
    const request = await parseNationalQuery(query, this.positions);
    return this.readModels.nationalPicture(request, principal);
  }

  @Get('operations/:operationId/picture')
  @AllowOnOperation(['analyst', 'auditor'])
  @ApiOperation({
    summary: 'The operational picture of one operation',
    description:
      'Arrests, charges, raids, intelligence by 3x5x2 grading and priority, disseminations, drugs by class and type, ' +
      'firearms and rounds, cash, threats to life mitigated, OCGs; by agency and region. Stamped with `asOf`. ' +
      'C-coded reports the caller’s agency is not entitled to are counted, under `withheld` in every breakdown of their details.',
  })
  @ApiParam(OPERATION_ID_PARAM)
  @ApiReadModelQueries()
  @ApiOkResponse({ schema: schemaRef('OperationalPicture'), description: 'The operation’s picture' })
  @ApiProblems(READ_MODEL_REFUSALS)
  async picture(
    @Param('operationId') operationId: string,
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OperationalPictureView> {
    return this.readModels.picture(operationId, await parsePictureQuery(query, this.positions), principal);
  }
}
