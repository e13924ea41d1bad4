import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Allow, Public } from '../auth/access-policy.decorator';
import { schemaRef } from '../http/problems.openapi';
import type { ApiConfig } from '../config/api.config';
import { API_CONFIG } from '../config/api-config.token';
import { HealthRegistry, type HealthReport } from './health.registry';

/** Fastify replies and Express responses both have status(). */
interface ReplyLike {
  status(code: number): unknown;
}

type Health = { status: HealthReport['status']; [part: string]: unknown };

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthRegistry) private readonly registry: HealthRegistry,
    @Inject(API_CONFIG) private readonly config: Pick<ApiConfig, 'healthDetails'>,
  ) {}

  /**
   * Without a credential, for load balancers, orchestrators and local tools: the
   * overall status and each part's status (HEALTH_DETAILS=admin, the default) —
   * where the store lives, how far the log goes and which event stopped a
   * projection are for operators (GET /health/details); with
   * HEALTH_DETAILS=public each part's report too.
   */
  @Get()
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Liveness: the overall status and each part’s status (its report too with HEALTH_DETAILS=public)',
  })
  @ApiOkResponse({ description: 'Every part is up or degraded', schema: schemaRef('Health') })
  @ApiServiceUnavailableResponse({ description: 'At least one part is down', schema: schemaRef('Health') })
  async health(@Res({ passthrough: true }) reply: ReplyLike): Promise<Health> {
    const { status, reports } = await this.check(reply);
    if (this.config.healthDetails === 'public') return { status, ...reports };
    return {
      status,
      ...Object.fromEntries(
        Object.entries(reports).map(([part, report]) => [part, { status: report.status }]),
      ),
    };
  }

  @Get('details')
  @Allow('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Each part’s full report: the store’s kind, location and head; projections’ positions, lag and failures',
  })
  @ApiOkResponse({ description: 'Every part is up or degraded', schema: schemaRef('Health') })
  @ApiServiceUnavailableResponse({ description: 'At least one part is down', schema: schemaRef('Health') })
  async details(@Res({ passthrough: true }) reply: ReplyLike): Promise<Health> {
    const { status, reports } = await this.check(reply);
    return { status, ...reports };
  }

  private async check(
    reply: ReplyLike,
  ): Promise<{ status: HealthReport['status']; reports: Record<string, HealthReport> }> {
    const reports = await this.registry.reports();
    const statuses = Object.values(reports).map((report) => report.status);
    const status = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'up';
    if (status === 'down') reply.status(503);
    return { status, reports };
  }
}
