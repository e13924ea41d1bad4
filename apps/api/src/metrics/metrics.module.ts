import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * GET /metrics in the Prometheus text format. Needs the read side and live
 * delivery (ReadModelsModule, LiveModule: global). Global itself so that a
 * feature module registers its own figures in `MetricsService.registry` from
 * where it is made (the write side's snapshots of the decided state do), as
 * with the health registry.
 */
@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
