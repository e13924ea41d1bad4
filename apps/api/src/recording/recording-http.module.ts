import { Module, type DynamicModule } from '@nestjs/common';
import { RecordingModule, type RecordingModuleOptions } from '@timeline/application';
import { RecordEventsController } from './record-events.controller';

/** POST /operations/{operationId}/events over the write path. */
@Module({})
export class RecordingHttpModule {
  static forRoot(options: RecordingModuleOptions): DynamicModule {
    return {
      module: RecordingHttpModule,
      imports: [RecordingModule.forRoot(options)],
      controllers: [RecordEventsController],
    };
  }
}
