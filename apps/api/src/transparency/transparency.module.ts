import { Module, type DynamicModule } from '@nestjs/common';
import type { TransparencyConfig } from '../config/transparency.config';
import { TransparencyController } from './transparency.controller';
import { EXPORT_INCLUSION } from '../history/history.service';
import { TRANSPARENCY_CONFIG, TransparencyService } from './transparency.service';

/**
 * The Merkle log over the global log, its signed heads and proofs
 * (docs/merkle-log.md). Needs the global EVENT_STORE.
 */
@Module({})
export class TransparencyModule {
  static forRoot(config: TransparencyConfig): DynamicModule {
    return {
      module: TransparencyModule,
      // Global: the history module's exports take their tree head and proofs from here.
      global: true,
      controllers: [TransparencyController],
      providers: [
        TransparencyService,
        { provide: TRANSPARENCY_CONFIG, useValue: config },
        { provide: EXPORT_INCLUSION, useExisting: TransparencyService },
      ],
      exports: [TransparencyService, EXPORT_INCLUSION],
    };
  }
}
