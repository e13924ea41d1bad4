import { Module, type DynamicModule } from '@nestjs/common';
import { readSoftwareIdentity } from '@timeline/integrity';
import { LogHistoryController } from './log-history.controller';
import { OperationHistoryController } from './operation-history.controller';
import { HISTORY_OPTIONS, HistoryService, type HistoryOptions } from './history.service';

/**
 * The auditors' routes: history pages, lineage, verification and export.
 * Needs the global EVENT_STORE and the AuthModule's OperationMembership.
 */
@Module({})
export class HistoryModule {
  /** @param overrides defaults: the software identity of the nearest package.json, 10,000 events examined per log page, 500 events per store read. */
  static forRoot(overrides: Partial<HistoryOptions> = {}): DynamicModule {
    return {
      module: HistoryModule,
      controllers: [OperationHistoryController, LogHistoryController],
      providers: [
        HistoryService,
        {
          provide: HISTORY_OPTIONS,
          useFactory: (): HistoryOptions => ({ software: readSoftwareIdentity(__dirname), ...overrides }),
        },
      ],
    };
  }
}
