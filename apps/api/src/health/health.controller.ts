import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access-policy.decorator';
import { HealthRegistry, type HealthReport } from './health.registry';

/** Fastify replies and Express responses both have status(). */
interface ReplyLike {
  status(code: number): unknown;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(HealthRegistry) private readonly registry: HealthRegistry) {}

  @Get()
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness and the state of the store (and of the other registered parts)' })
  @ApiOkResponse({ description: 'Every part is up or degraded' })
  @ApiServiceUnavailableResponse({ description: 'At least one part is down' })
  async health(@Res({ passthrough: true }) reply: ReplyLike): Promise<{ status: HealthReport['status']; [part: string]: unknown }> {
    const reports = await this.registry.reports();
    const statuses = Object.values(reports).map((report) => report.status);
    const status = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'up';
    if (status === 'down') reply.status(503);
    return { status, ...reports };
  }
}
