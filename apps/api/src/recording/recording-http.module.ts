import { Inject, Module, Optional, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DecidedStateSnapshots, RecordingModule, type RecordingModuleOptions } from '@timeline/application';
import { HealthRegistry } from '../health/health.registry';
import { MetricsService } from '../metrics/metrics.service';
import { RecordEventsController } from './record-events.controller';

/**
 * Reports the snapshots of the decided state: on /health (where they are, the
 * last taken and used, the load ahead) and in /metrics (the same counts, for
 * alerting on rejected snapshots or failed saves).
 */
class DecidedStateReporting implements OnModuleInit {
  constructor(
    @Inject(HealthRegistry) private readonly registry: HealthRegistry,
    @Optional() @Inject(DecidedStateSnapshots) private readonly snapshots?: DecidedStateSnapshots,
    @Optional() @Inject(MetricsService) private readonly metrics?: MetricsService,
  ) {}

  onModuleInit(): void {
    const { snapshots } = this;
    this.registry.register('decidedState', () =>
      snapshots === undefined
        ? { status: 'up', snapshots: 'off' }
        : { status: 'up', snapshots: 'on', ...snapshots.report() },
    );
    if (snapshots !== undefined && this.metrics !== undefined) registerMetrics(snapshots, this.metrics);
  }
}

function registerMetrics(snapshots: DecidedStateSnapshots, metrics: MetricsService): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'timeline_decided_state_snapshots',
    help: 'Snapshots of the decided state since start, by outcome: saved, loaded (a writer started from one), rejected (ignored and the stream folded) and failed_save',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      const report = snapshots.report();
      this.set({ outcome: 'saved' }, report.saved);
      this.set({ outcome: 'loaded' }, report.loaded);
      this.set({ outcome: 'rejected' }, report.rejected);
      this.set({ outcome: 'failed_save' }, report.failedSaves);
    },
  });
  new Gauge({
    name: 'timeline_decided_state_longest_save_block_seconds',
    help: 'The longest the event loop waited on one step of writing a snapshot of the decided state',
    registers,
    collect() {
      this.set(snapshots.report().longestSaveBlockMs / 1000);
    },
  });
  new Gauge({
    name: 'timeline_decided_state_longest_load_block_seconds',
    help: 'The longest the event loop waited on one step of reading a snapshot of the decided state',
    registers,
    collect() {
      this.set(snapshots.report().longestLoadBlockMs / 1000);
    },
  });
  new Gauge({
    name: 'timeline_decided_state_warm_up_pending',
    help: 'Operations whose decided state the load after a start has still to load (0 once it is over)',
    registers,
    collect() {
      const { warmUp } = snapshots.report();
      this.set(warmUp.done ? 0 : warmUp.operations - warmUp.loaded);
    },
  });
}

/** POST /operations/{operationId}/events over the write path. */
@Module({})
export class RecordingHttpModule {
  static forRoot(options: RecordingModuleOptions): DynamicModule {
    return {
      module: RecordingHttpModule,
      imports: [RecordingModule.forRoot(options)],
      controllers: [RecordEventsController],
      providers: [DecidedStateReporting],
    };
  }
}
