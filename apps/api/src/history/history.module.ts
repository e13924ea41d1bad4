import { Module, type DynamicModule } from '@nestjs/common';
import { readSoftwareIdentity } from '@timeline/integrity';
import { LogHistoryController } from './log-history.controller';
import { OperationHistoryController } from './operation-history.controller';
import { HISTORY_OPTIONS, HistoryService, type HistoryOptions } from './history.service';

/**
 * Optional, provided by any global module: settings that win over forRoot's
 * (tests fix the export clock or shrink the scan cap this way).
 */
export const HISTORY_OPTIONS_OVERRIDES = Symbol('HISTORY_OPTIONS_OVERRIDES');

/**
 * The auditors' routes: history pages, lineage, verification and export.
 * Needs the global EVENT_STORE and the AuthModule's OperationMembership.
 */
@Module({})
export class HistoryModule {
  /**
   * @param options defaults: the software identity of the nearest package.json, 10,000 events
   * examined per log page, 500 events per store read, the system clock.
   */
  static forRoot(options: Partial<HistoryOptions> = {}): DynamicModule {
    return {
      module: HistoryModule,
      controllers: [OperationHistoryController, LogHistoryController],
      providers: [
        HistoryService,
        {
          provide: HISTORY_OPTIONS,
          inject: [{ token: HISTORY_OPTIONS_OVERRIDES, optional: true }],
          useFactory: (overrides: Partial<HistoryOptions> | undefined): HistoryOptions => ({
            software: readSoftwareIdentity(__dirname),
            ...options,
            ...overrides,
          }),
        },
      ],
    };
  }
}
