import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { operationDecider, type OperationDecider } from '@timeline/domain';
import { EVENT_STORE, type EventStore } from '@timeline/event-store';
import { loadDemoIntoEmptyStore, type FirstRunOutcome } from './first-run.loader';

/** Options of DemoDataModule.forRoot. */
export interface DemoDataModuleOptions {
  /**
   * Load the demo operation when the application starts on a store holding no
   * event. Meant for local development only (the api turns it on by default with
   * AUTH_MODE=local-dev, off otherwise). Default false.
   */
  readonly loadOnEmptyStore: boolean;
  /** The operation's decider. Default: `operationDecider` of libs/domain. */
  readonly decider?: OperationDecider<unknown>;
  /** Generator seed. Default DEFAULT_SEED, the published demo operation. */
  readonly seed?: number;
}

const DEMO_DATA_OPTIONS = Symbol('DEMO_DATA_OPTIONS');

/**
 * Loads the demo during bootstrap, before the server listens, so the first
 * request already sees the whole operation. Shutdown during the load stops it
 * between submissions (each is atomic; starting again on the now non-empty store
 * leaves it as it is, and `npm run cli -- seed` completes it).
 */
@Injectable()
class FirstRunDemoLoader implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DemoData');
  private stopping = false;
  private loading: Promise<FirstRunOutcome | null> = Promise.resolve(null);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DEMO_DATA_OPTIONS) private readonly options: DemoDataModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.loadOnEmptyStore) return;
    const started = performance.now();
    this.loading = loadDemoIntoEmptyStore(this.store, this.options.decider ?? operationDecider, {
      seed: this.options.seed,
      shouldStop: () => this.stopping,
    });
    const result = await this.loading;
    if (result === null) return;
    if (result.loaded) {
      this.logger.log({
        msg: 'demo operation loaded into the empty store',
        operationId: result.operationId,
        events: result.report.events,
        seconds: Math.round((performance.now() - started) / 100) / 10,
      });
    } else if (result.reason === 'store-not-empty') {
      this.logger.log({ msg: 'store holds events: demo operation not loaded' });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.loading.catch(() => undefined);
  }
}

/** First-run experience: the demo operation in an empty embedded store (local development). */
@Module({})
export class DemoDataModule {
  static forRoot(options: DemoDataModuleOptions): DynamicModule {
    return {
      module: DemoDataModule,
      providers: [{ provide: DEMO_DATA_OPTIONS, useValue: options }, FirstRunDemoLoader],
    };
  }
}
