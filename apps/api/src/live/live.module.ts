import { Module, type DynamicModule } from '@nestjs/common';
import { LiveClients } from './live-clients.registry';
import { LiveController } from './live.controller';
import { LiveFeeds } from './live-feeds.service';
import { DEFAULT_LIVE_OPTIONS, LIVE_OPTIONS, type LiveOptions } from './live.options';
import { SharedFeeds } from './shared-feeds.registry';

/**
 * Live delivery over Server-Sent Events: the picture, the timeline and the log
 * pushed as the projections apply each event. Needs the read side
 * (ReadModelsModule, global); exports the connected clients and shared feeds
 * for /metrics.
 */
@Module({})
export class LiveModule {
  static forRoot(options: Partial<LiveOptions> = {}): DynamicModule {
    return {
      module: LiveModule,
      global: true,
      controllers: [LiveController],
      providers: [
        LiveFeeds,
        LiveClients,
        SharedFeeds,
        { provide: LIVE_OPTIONS, useValue: { ...DEFAULT_LIVE_OPTIONS, ...options } },
      ],
      exports: [LiveClients, SharedFeeds],
    };
  }
}
