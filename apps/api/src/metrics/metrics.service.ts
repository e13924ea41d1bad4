import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Subscription } from 'rxjs';
import { EVENT_STORE, type EventStore } from '@timeline/event-store';
import { ProjectionRunner } from '@timeline/projections';
import { LiveClients } from '../live/live-clients.registry';
import { SharedFeeds } from '../live/shared-feeds.registry';

interface FastifyLike {
  addHook(
    name: 'onResponse',
    hook: (
      request: { method: string; routeOptions?: { url?: string } },
      reply: { statusCode: number; elapsedTime: number },
      done: () => void,
    ) => void,
  ): void;
}

/** Counters the embedded adapter keeps (group commit shows as fewer transactions than appends). */
interface StoreWithMetrics {
  metrics(): Readonly<Record<string, number>>;
}

function hasMetrics(store: EventStore): store is EventStore & StoreWithMetrics {
  return typeof (store as Partial<StoreWithMetrics>).metrics === 'function';
}

/**
 * Prometheus metrics of the api: HTTP requests (by route and status, with
 * latency), events by type as the projections apply them (every append, from any
 * instance), projection position and lag, live clients, and the embedded
 * store's write counters.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  private subscription: Subscription | null = null;
  private readonly requests = new Counter({
    name: 'timeline_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'timeline_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly events = new Counter({
    name: 'timeline_events_applied_total',
    help: 'Events applied by the projections, by type (every stored event once)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(ProjectionRunner) private readonly runner: ProjectionRunner,
    @Inject(LiveClients) private readonly liveClients: LiveClients,
    @Inject(SharedFeeds) private readonly sharedFeeds: SharedFeeds,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'timeline_' });
    const projections = this.runner;
    new Gauge({
      name: 'timeline_projection_position',
      help: 'Commit position the projections have applied',
      registers: [this.registry],
      collect() {
        const position = projections.currentStatus().position;
        this.set(position === null ? 0 : Number(position.split('/')[0]));
      },
    });
    new Gauge({
      name: 'timeline_projection_lag',
      help: 'Head commit position minus applied commit position (events for the embedded store)',
      registers: [this.registry],
      collect() {
        const gap = projections.currentStatus().lag.commitGap;
        this.set(gap === null ? 0 : Number(gap));
      },
    });
    new Gauge({
      name: 'timeline_projection_seconds_since_last_applied',
      help: 'Seconds since the projections last applied an event',
      registers: [this.registry],
      collect() {
        const ms = projections.currentStatus().lag.msSinceLastApplied;
        this.set(ms === null ? 0 : ms / 1000);
      },
    });
    new Gauge({
      name: 'timeline_projection_healthy',
      help: '1 while every projection runs, 0 when one is failed or the subscription is down',
      registers: [this.registry],
      collect() {
        this.set(projections.currentStatus().healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'timeline_projection_rebuilding',
      help: '1 while a projection is being rebuilt (queries meanwhile answer from its old state)',
      labelNames: ['projection'] as const,
      registers: [this.registry],
      collect() {
        for (const projection of projections.currentStatus().projections)
          this.set({ projection: projection.name }, projection.rebuilding ? 1 : 0);
      },
    });
    new Gauge({
      name: 'timeline_projection_last_rebuild_succeeded',
      help: '1 when the last rebuild of a projection swapped in, 0 when it failed (absent before any rebuild)',
      labelNames: ['projection'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { name, lastRebuild } of projections.currentStatus().projections) {
          if (lastRebuild) this.set({ projection: name }, lastRebuild.outcome === 'rebuilt' ? 1 : 0);
        }
      },
    });
    const clients = this.liveClients;
    new Gauge({
      name: 'timeline_live_clients',
      help: 'Open Server-Sent Events connections by stream',
      labelNames: ['stream'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [stream, open] of clients.openByStream()) this.set({ stream }, open);
      },
    });
    const feeds = this.sharedFeeds;
    new Gauge({
      name: 'timeline_live_shared_feeds',
      help: 'Live feeds in use: clients sent the same bytes (same stream, filter and agency) share one',
      registers: [this.registry],
      collect() {
        this.set(feeds.size);
      },
    });
    new Gauge({
      name: 'timeline_live_disconnects',
      help: 'Ended Server-Sent Events connections by stream and reason (overflow: client too slow)',
      labelNames: ['stream', 'reason'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { stream, reason, count } of clients.endedByStreamAndReason())
          this.set({ stream, reason }, count);
      },
    });
    const embedded = this.store;
    if (hasMetrics(embedded)) {
      new Gauge({
        name: 'timeline_store_embedded',
        help: 'Embedded store counters since start: the writer (appends, events, transactions), pages read ahead, pages read on the main thread for want of a free core, and read-ahead failures',
        labelNames: ['counter'] as const,
        registers: [this.registry],
        collect() {
          for (const [counter, value] of Object.entries(embedded.metrics())) {
            if (typeof value === 'number') this.set({ counter }, value);
          }
        },
      });
    }
  }

  onModuleInit(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance() as Partial<FastifyLike> | undefined;
    instance?.addHook?.('onResponse', (request, reply, done) => {
      const route = request.routeOptions?.url ?? 'unmatched';
      this.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      this.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
      done();
    });
    this.subscription = this.runner.changes$.subscribe((change) => {
      if (change.kind === 'applied') this.events.inc({ type: change.event.type });
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
