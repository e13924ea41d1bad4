import { Inject, Module, Optional, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { DecidedStateSnapshots, RecordingModule, type RecordingModuleOptions } from '@timeline/application';
import { HealthRegistry } from '../health/health.registry';
import { RecordEventsController } from './record-events.controller';

/** Reports the snapshots of the decided state on /health: where they are, the last taken and used. */
class DecidedStateHealth implements OnModuleInit {
  constructor(
    @Inject(HealthRegistry) private readonly registry: HealthRegistry,
    @Optional() @Inject(DecidedStateSnapshots) private readonly snapshots?: DecidedStateSnapshots,
  ) {}

  onModuleInit(): void {
    const { snapshots } = this;
    this.registry.register('decidedState', () =>
      snapshots === undefined
        ? { status: 'up', snapshots: 'off' }
        : { status: 'up', snapshots: 'on', ...snapshots.report() },
    );
  }
}

/** POST /operations/{operationId}/events over the write path. */
@Module({})
export class RecordingHttpModule {
  static forRoot(options: RecordingModuleOptions): DynamicModule {
    return {
      module: RecordingHttpModule,
      imports: [RecordingModule.forRoot(options)],
      controllers: [RecordEventsController],
      providers: [DecidedStateHealth],
    };
  }
}
