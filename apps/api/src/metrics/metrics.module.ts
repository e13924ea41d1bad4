import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** GET /metrics in the Prometheus text format. Needs the read side and live delivery (ReadModelsModule, LiveModule: global). */
@Module({ controllers: [MetricsController], providers: [MetricsService] })
export class MetricsModule {}
