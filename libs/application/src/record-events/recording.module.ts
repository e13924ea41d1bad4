import { Module, type DynamicModule } from '@nestjs/common';
import { operationDecider, type OperationDecider } from '@timeline/domain';
import { CLOCK, systemClock, type Clock } from '../clock/clock';
import { OPERATION_DECIDER } from './operation.writer';
import { RecordEventsHandler } from './record-events.handler';
import { DEFAULT_RECORDING_OPTIONS, RECORDING_OPTIONS, type RecordingOptions } from './recording.options';

/** Options of RecordingModule.forRoot: the write path's limits plus what it is built from. */
export interface RecordingModuleOptions extends Partial<RecordingOptions> {
  /** The operation's decider. Default: `operationDecider` of libs/domain (tests give others). */
  readonly decider?: OperationDecider<unknown>;
  /** Source of `recordedAt` and of "now" for the future check. Default: the system clock. */
  readonly clock?: Clock;
}

/**
 * Provides RecordEventsHandler, the one read–decide–append loop. Expects the
 * EVENT_STORE token from a global EventStoreModule.
 */
@Module({})
export class RecordingModule {
  static forRoot(options: RecordingModuleOptions): DynamicModule {
    const { decider, clock, ...limits } = options;
    const resolved: RecordingOptions = { ...DEFAULT_RECORDING_OPTIONS, ...definedOnly(limits) };
    return {
      module: RecordingModule,
      providers: [
        { provide: RECORDING_OPTIONS, useValue: resolved },
        { provide: OPERATION_DECIDER, useValue: decider ?? operationDecider },
        { provide: CLOCK, useValue: clock ?? systemClock },
        RecordEventsHandler,
      ],
      exports: [RecordEventsHandler, CLOCK, RECORDING_OPTIONS],
    };
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as Partial<T>;
}
