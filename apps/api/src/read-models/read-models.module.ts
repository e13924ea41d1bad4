import { Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { ProjectionRunner, ProjectionsModule, type ProjectionsModuleOptions } from '@timeline/projections';
import { HealthRegistry } from '../health/health.registry';
import { PictureController } from './picture.controller';
import { ProjectionsController } from './projections.controller';
import { IssuedPositions } from './issued-positions';
import { ReadModelsService } from './read-models.service';
import { TIMELINE_CURSORS, TimelineCursors } from './timeline-cursors';
import { TimelineController } from './timeline.controller';

export interface ReadModelsModuleOptions {
  readonly projections: ProjectionsModuleOptions;
  /** The key timeline cursors are signed with (see TimelineCursors). */
  readonly cursorSigningKey: Buffer;
}

/** Reports the projection runner on /health: degraded while a projection is stuck or failing. */
class ProjectionsHealth implements OnModuleInit {
  constructor(
    @Inject(HealthRegistry) private readonly registry: HealthRegistry,
    @Inject(ProjectionRunner) private readonly runner: ProjectionRunner,
  ) {}

  onModuleInit(): void {
    this.registry.register('projections', async () => {
      const status = await this.runner.status();
      return {
        status: status.healthy ? 'up' : 'degraded',
        position: status.position,
        headPosition: status.headPosition,
        caughtUp: status.caughtUp,
        lag: status.lag,
        projections: status.projections,
      };
    });
  }
}

/**
 * The read side over HTTP: the operational picture and the timeline (live,
 * time travel, as recorded). Runs the projections once for the whole api and
 * shares the runner (live delivery, in LiveModule, pushes what it applies).
 */
@Module({})
export class ReadModelsModule {
  static forRoot(options: ReadModelsModuleOptions): DynamicModule {
    return {
      module: ReadModelsModule,
      global: true,
      imports: [ProjectionsModule.forRoot(options.projections)],
      controllers: [PictureController, TimelineController, ProjectionsController],
      providers: [
        ReadModelsService,
        IssuedPositions,
        { provide: TIMELINE_CURSORS, useValue: new TimelineCursors(options.cursorSigningKey) },
        ProjectionsHealth,
      ],
      exports: [ProjectionsModule, IssuedPositions],
    };
  }
}
