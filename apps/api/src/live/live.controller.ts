import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../http/problems.openapi';
import { OPERATION_ID_PARAM } from '../read-models/picture.controller';
import { LIVE_REFUSALS, liveFeedResponse } from './live.openapi';
import type { ServerResponse } from 'node:http';
import { formatPosition, parsePosition, type GlobalPosition } from '@timeline/event-store';
import type { StoredTimelineEvent } from '@timeline/projections';
import { Allow, AllowOnOperation } from '../auth/access-policy.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { redactEntryForPrincipal, redactEventForPrincipal } from '../auth/handling-code.policy';
import { LiveConnectionLimiter } from '../auth/live-connection-limiter.service';
import { OperationMembership } from '../auth/operation-membership.service';
import type { Principal } from '@timeline/auth';
import { noQueryParameters } from '../http/query-parameters';
import { IssuedPositions } from '../read-models/issued-positions';
import { parseLiveQuery, type RawQuery } from '../read-models/read-model.query';
import { LiveClients } from './live-clients.registry';
import { LiveFeeds, type TimelineLiveChange } from './live-feeds.service';
import { LIVE_OPTIONS, type LiveOptions } from './live.options';
import type { ResumableFeedSource } from './live-source';
import { ResumableFeed } from './resumable-feed';
import type { MessageOf } from './shared-feed';
import { SharedFeeds } from './shared-feeds.registry';
import { SseChannel, type SseMessage } from './sse-channel';

/** The platform reply: Fastify's (hijacked, then written raw) or a plain Node response. */
type ReplyLike =
  ServerResponse | { raw: ServerResponse; hijack(): void; getHeaders(): Record<string, unknown> };

type PublicEvent = Omit<StoredTimelineEvent, 'streamName' | 'globalPosition'>;
const publicEvents = new WeakMap<StoredTimelineEvent, PublicEvent>();

/**
 * The event as a client sees it: the stored shape without the store's internals.
 * One object per event for all clients, so its JSON is encoded once (SseChannel).
 */
function publicEvent(event: StoredTimelineEvent): PublicEvent {
  let visible = publicEvents.get(event);
  if (!visible) {
    const { streamName: _streamName, globalPosition: _globalPosition, ...rest } = event;
    visible = rest;
    publicEvents.set(event, visible);
  }
  return visible;
}

const LAST_EVENT_ID_HEADER = {
  name: 'Last-Event-ID',
  required: false,
  description: 'The last `id:` received: the stream resumes after it, with no gap and no duplicate',
  schema: { type: 'string' },
};

/** A type filter as part of a shared feed's key: the same set of types, whatever the order given. */
function filterKey(types: readonly string[] | undefined): string {
  return types ? [...new Set(types)].sort().join(',') : '*';
}

@ApiTags('live')
@Controller()
export class LiveController {
  constructor(
    @Inject(LiveFeeds) private readonly feeds: LiveFeeds,
    @Inject(LiveConnectionLimiter) private readonly limiter: LiveConnectionLimiter,
    @Inject(OperationMembership) private readonly membership: OperationMembership,
    @Inject(LiveClients) private readonly clients: LiveClients,
    @Inject(LIVE_OPTIONS) private readonly options: LiveOptions,
    @Inject(SharedFeeds) private readonly sharedFeeds: SharedFeeds,
    @Inject(IssuedPositions) private readonly positions: IssuedPositions,
  ) {}

  /** Where a resuming client left off: an id this api sent, checked before the backlog is read from it. */
  private lastEventIdOf(header: string | undefined): Promise<GlobalPosition | undefined> {
    return this.positions.checked('Last-Event-ID', header, parsePosition);
  }

  @Get('events/live')
  @Allow('analyst', 'auditor')
  @ApiOperation({
    summary: 'Every new event of the caller’s operations, pushed as Server-Sent Events',
    description:
      '`id:` is the global position. Reconnect with `Last-Event-ID` to resume with no gap and no duplicate. ' +
      'Without it the stream starts from now. A client too slow to keep up receives `event: overflow` and is disconnected.',
  })
  @ApiHeader(LAST_EVENT_ID_HEADER)
  @ApiQuery({
    name: 'type',
    required: false,
    description: 'Only these event types, comma-separated',
    schema: { type: 'string' },
  })
  @ApiOkResponse(liveFeedResponse('StoredEvent', 'an event, with `id:` its global position'))
  @ApiProblems(LIVE_REFUSALS)
  async events(
    @Query() query: RawQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: ReplyLike,
  ): Promise<void> {
    const { types } = parseLiveQuery(query, 'events');
    const after = await this.lastEventIdOf(lastEventId);
    await this.streamShared<StoredTimelineEvent>(
      'events',
      '*',
      types,
      after,
      principal,
      reply,
      (agency, typeFilter) => ({
        source: this.feeds.events(),
        messageOf: ({ item: event }): SseMessage | null | Promise<SseMessage | null> => {
          if (typeFilter && !typeFilter.has(event.type)) return null;
          const message = (): SseMessage => ({
            id: event.position,
            data: redactEventForPrincipal({ agency }, publicEvent(event)),
          });
          // Known members are answered from memory (the hot path of fan-out); anything else asks the store.
          if (this.membership.isKnownMember(event.operationId, agency)) return message();
          return this.membership
            .takesPart(event.operationId, agency)
            .then((member) => (member ? message() : null));
        },
      }),
    );
  }

  @Get('operations/:operationId/timeline/live')
  @AllowOnOperation(['analyst', 'auditor'])
  @ApiOperation({
    summary: 'Timeline entries of one operation as they are appended or changed (Server-Sent Events)',
    description:
      'Each message is `{ kind: "appended" | "changed", entry }` with `id:` = the global position of the event that caused it. ' +
      'Resumable with `Last-Event-ID`; heartbeats as comments.',
  })
  @ApiParam(OPERATION_ID_PARAM)
  @ApiHeader(LAST_EVENT_ID_HEADER)
  @ApiQuery({
    name: 'type',
    required: false,
    description: 'Only entries of these event types, comma-separated',
    schema: { type: 'string' },
  })
  @ApiOkResponse(liveFeedResponse('TimelineChange', 'an appended or changed entry'))
  @ApiProblems(LIVE_REFUSALS)
  async timeline(
    @Param('operationId') operationId: string,
    @Query() query: RawQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: ReplyLike,
  ): Promise<void> {
    const { types } = parseLiveQuery(query, 'timeline');
    const after = await this.lastEventIdOf(lastEventId);
    await this.streamShared<TimelineLiveChange | null>(
      'timeline',
      operationId,
      types,
      after,
      principal,
      reply,
      (agency, typeFilter) => ({
        source: this.feeds.timeline(operationId),
        messageOf: ({ position, item: change }): SseMessage | null => {
          if (change === null || (typeFilter && !typeFilter.has(change.entry.type))) return null;
          return {
            id: formatPosition(position),
            data: { kind: change.kind, entry: redactEntryForPrincipal({ agency }, change.entry) },
          };
        },
      }),
    );
  }

  @Get('operations/:operationId/picture/live')
  @AllowOnOperation(['analyst', 'auditor'])
  @ApiOperation({
    summary: 'The operation’s picture, pushed whenever it changes (Server-Sent Events)',
    description:
      'The current picture at once, then the latest picture after each change, coalesced: a slow client gets the newest state, not a backlog. `id:` is the position the picture reflects.',
  })
  @ApiParam(OPERATION_ID_PARAM)
  @ApiOkResponse(
    liveFeedResponse('OperationalPicture', 'the picture, whole, with `id:` the position it reflects'),
  )
  @ApiProblems(LIVE_REFUSALS)
  async picture(
    @Param('operationId') operationId: string,
    @Query() query: RawQuery,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: ReplyLike,
  ): Promise<void> {
    noQueryParameters(query);
    const first = await this.feeds.currentPicture(operationId, principal.agency);
    const channel = this.open('picture', principal, reply);
    let latest = first;
    let dirty = true;
    let flushing = false;
    const flush = async (): Promise<void> => {
      if (flushing) return;
      flushing = true;
      while (dirty && !channel.isClosed) {
        if (!channel.hasRoom) await channel.drained();
        dirty = false;
        channel.send({ id: latest.asOf.position ?? undefined, data: latest });
      }
      flushing = false;
    };
    const subscription = this.feeds
      .pictures$(operationId, principal.agency, this.options.pictureCoalesceMs)
      .subscribe({
        next: (view) => {
          latest = view;
          dirty = true;
          void flush();
        },
        error: (error: unknown) =>
          channel.fail('live.source-failed', error instanceof Error ? error.message : String(error)),
      });
    channel.onClose(() => subscription.unsubscribe());
    await flush();
  }

  /**
   * Streams a shared feed to this client, resumable after `after`. What a client
   * is sent depends on the stream, its scope, the type filter and the client's
   * agency only — `create` is handed the agency, never the principal — so clients
   * alike share one feed.
   */
  private async streamShared<T>(
    stream: 'events' | 'timeline',
    scope: string,
    types: readonly string[] | undefined,
    after: GlobalPosition | undefined,
    principal: Principal,
    reply: ReplyLike,
    create: (
      agency: string,
      typeFilter: ReadonlySet<string> | null,
    ) => { source: ResumableFeedSource<T>; messageOf: MessageOf<T> },
  ): Promise<void> {
    const agency = principal.agency;
    const key = [stream, scope, agency, filterKey(types)].join('\u0000');
    const shared = this.sharedFeeds.feed(key, () => create(agency, types ? new Set(types) : null));
    const channel = this.open(stream, principal, reply);
    const feed = new ResumableFeed(channel, shared, { maxPendingLive: this.options.maxPendingLive });
    await feed.start(after ?? shared.source.livePosition() ?? undefined);
  }

  /** Takes a connection slot, hands the response over from the framework and opens the event stream. */
  private open(stream: string, principal: Principal, reply: ReplyLike): SseChannel {
    const lease = this.limiter.acquire(principal);
    let response: ServerResponse;
    let headers: Record<string, string | number | readonly string[]> = {};
    if ('raw' in reply) {
      headers = Object.fromEntries(
        Object.entries(reply.getHeaders()).filter(
          (entry): entry is [string, string | number | string[]] => entry[1] !== undefined,
        ),
      );
      reply.hijack();
      response = reply.raw;
    } else {
      response = reply;
    }
    const channel = new SseChannel(response, this.options);
    this.clients.opened(stream, channel);
    channel.onClose((reason) => {
      lease.release();
      this.clients.ended(stream, reason);
    });
    channel.open(headers);
    return channel;
  }
}
