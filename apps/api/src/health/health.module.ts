import { Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health.registry';
import { StoreHealth } from './store.health';

/**
 * GET /health. Global so that any module (projections, live delivery) can inject
 * HealthRegistry and register its own report.
 */
@Global()
@Module({
  controllers: [HealthController],
  providers: [HealthRegistry, StoreHealth],
  exports: [HealthRegistry],
})
export class HealthModule {}
