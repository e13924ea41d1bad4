import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { NationalPictureView, OperationalPictureView } from '@timeline/projections';
import { Allow, AllowOnOperation } from '../auth/access-policy.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parsePictureQuery, type RawQuery } from './read-model.query';
import { ReadModelsService } from './read-models.service';

const FRESHNESS_QUERIES = [
  {
    name: 'minPosition',
    description: 'Read-your-writes: wait until the picture reflects this position (from a write response)',
  },
  {
    name: 'waitMs',
    description: 'How long to wait for minPosition, 0–10000 ms (default 2000); then 503 with Retry-After',
  },
  {
    name: 'knownAt',
    description:
      'Time travel: as known at this recorded time (ISO 8601): later recordings, corrections and retractions left out',
  },
  { name: 'knownAtPosition', description: 'Time travel: as known at this global position' },
  {
    name: 'happenedBy',
    description: 'As it had happened by this occurred time (ISO 8601), with everything known now',
  },
  {
    name: 'view',
    description: '`as-corrected` (default) or `as-recorded` (no correction or retraction applied)',
  },
] as const;

/** Applies the shared query documentation to a read route. */
export function ApiReadModelQueries(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const query of FRESHNESS_QUERIES) ApiQuery({ ...query, required: false })(target, key, descriptor);
  };
}

@ApiTags('picture')
@Controller()
export class PictureController {
  constructor(@Inject(ReadModelsService) private readonly readModels: ReadModelsService) {}

  @Get('operations')
  @Allow('recorder', 'analyst', 'auditor')
  @ApiOperation({ summary: 'The operations the caller’s agency takes part in' })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiQuery({ name: 'waitMs', required: false })
  async operations(
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ operations: NationalPictureView['operations'] }> {
    return { operations: await this.readModels.operations(parsePictureQuery(query), principal) };
  }

  @Get('picture')
  @Allow('analyst', 'auditor')
  @ApiOperation({
    summary: 'The national picture across the operations the caller’s agency takes part in',
    description: 'Stamped with the global position, event count and last recorded time it reflects.',
  })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiQuery({ name: 'waitMs', required: false })
  nationalPicture(
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NationalPictureView> {
    const request = parsePictureQuery(query);
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
  @ApiParam({ name: 'operationId', example: 'venetic' })
  @ApiReadModelQueries()
  @ApiOkResponse({ description: 'OperationalPictureView' })
  picture(
    @Param('operationId') operationId: string,
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OperationalPictureView> {
    return this.readModels.picture(operationId, parsePictureQuery(query), principal);
  }
}
