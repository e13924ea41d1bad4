import { Module, type DynamicModule } from '@nestjs/common';
import { operationDecider, type OperationDecider } from '@timeline/domain';
import { CLOCK, systemClock, type Clock } from '../clock/clock';
import { OPERATION_DECIDER } from './operation.writer';
import { RecordEventsHandler } from './record-events.handler';
import {
  DecidedStateSnapshots,
  type DecidedStateSnapshotOptions,
} from '../decided-state/decided-state.snapshots';
import { DEFAULT_RECORDING_OPTIONS, RECORDING_OPTIONS, type RecordingOptions } from './recording.options';

/** Options of RecordingModule.forRoot: the write path's limits plus what it is built from. */
export interface RecordingModuleOptions extends Partial<RecordingOptions> {
  /** The operation's decider. Default: `operationDecider` of libs/domain (tests give others). */
  readonly decider?: OperationDecider<unknown>;
  /** Source of `recordedAt` and of "now" for the future check. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Where and how often the decided state of each operation is snapshotted
   * (docs/architecture.md, "Snapshots of the decided state"). Default: none, every
   * operation's state is folded from its whole stream on its first write.
   */
  readonly decidedState?: DecidedStateSnapshotOptions;
}

/**
 * Provides RecordEventsHandler, the one read–decide–append loop. Expects the
 * EVENT_STORE token from a global EventStoreModule.
 */
@Module({})
export class RecordingModule {
  static forRoot(options: RecordingModuleOptions): DynamicModule {
    const { decider, clock, decidedState, ...limits } = options;
    const resolved: RecordingOptions = { ...DEFAULT_RECORDING_OPTIONS, ...definedOnly(limits) };
    return {
      module: RecordingModule,
      providers: [
        { provide: RECORDING_OPTIONS, useValue: resolved },
        { provide: OPERATION_DECIDER, useValue: decider ?? operationDecider },
        { provide: CLOCK, useValue: clock ?? systemClock },
        ...(decidedState === undefined
          ? []
          : [{ provide: DecidedStateSnapshots, useValue: new DecidedStateSnapshots(decidedState) }]),
        RecordEventsHandler,
      ],
      exports: [
        RecordEventsHandler,
        CLOCK,
        RECORDING_OPTIONS,
        ...(decidedState === undefined ? [] : [DecidedStateSnapshots]),
      ],
    };
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as Partial<T>;
}
