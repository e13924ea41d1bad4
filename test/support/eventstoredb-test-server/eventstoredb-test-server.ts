/**
 * An in-process EventStoreDB for tests: a gRPC server built with @grpc/grpc-js
 * and the service definitions shipped in @eventstore/db-client, answering the
 * calls the client makes with EventStoreDB's semantics (KurrentDB 24.x/25.x
 * gRPC transport): Streams.Append, Streams.BatchAppend, Streams.Read (streams,
 * `$all`, filtered reads, catch-up subscriptions) and
 * ServerFeatures.GetSupportedMethods, and Gossip.Read (a one-node cluster whose
 * leader is this server, or one node of an {@link EventStoreDbTestCluster}). It also
 * injects the faults a real cluster produces (not leader, unavailable, timeouts,
 * access denied, dropped subscriptions) on demand, and plays the node states of a
 * cluster's life: leader, follower (forwarding writes, answering NotLeader to
 * requests that require the leader), electing (no leader), lagging (a demoted node
 * whose view of the log stopped), stuck (accepts calls, never answers) and killed.
 *
 * TEST INFRASTRUCTURE: not a database. It keeps everything in memory, has no
 * authentication, ACLs, stream metadata, deletes other than tombstones,
 * persistent subscriptions or projections, and accepts any `$all` position
 * (the real server rejects positions that are not record boundaries).
 */
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as ProtoEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { GossipService } from '@eventstore/db-client/generated/gossip_grpc_pb';
import { ClusterInfo, EndPoint, MemberInfo } from '@eventstore/db-client/generated/gossip_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  ReadResp,
} from '@eventstore/db-client/generated/streams_pb';
import {
  AccessDenied,
  AllStreamPosition,
  Empty,
  StreamDeleted,
  StreamIdentifier,
  Timeout,
  UUID,
  WrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import {
  comparePositions,
  filterAllows,
  InMemoryLog,
  type AppendOutcome,
  type EventFilter,
  type ExpectedVersion,
  type LogPosition,
  type EncodedEvent,
  type StoredEvent,
} from './in-memory-log';

export type FaultKind = 'unavailable' | 'not-leader' | 'deadline-exceeded' | 'timeout' | 'access-denied';
export type FaultTarget = 'append' | 'read' | 'subscribe';

export interface EventStoreDbTestServerOptions {
  /** Serve ServerFeatures.GetSupportedMethods; when false it answers UNIMPLEMENTED (servers before 21.10). Default true. */
  readonly serverFeatures?: boolean;
  /** Advertise Streams.BatchAppend, which the client then prefers over Append. Default true. */
  readonly batchAppend?: boolean;
  /** Send CaughtUp in subscriptions (servers from 23.10 do; older ones never do). Default true. */
  readonly caughtUp?: boolean;
  /**
   * How stream reads report an event's commit position: `'self-committed'` as
   * KurrentDB 24+ (commit = prepare for events that committed themselves);
   * `'unknown'` as EventStoreDB 20–23 (commit is 2^64-1 on stream reads, only `$all` knows it).
   */
  readonly streamReadCommitPosition?: 'self-committed' | 'unknown';
  /**
   * Server-side filters of `$all` reads and subscriptions: `'apply'` them (default, as
   * EventStoreDB since 20.6), or `'reject'` them with INVALID_ARGUMENT, as a server that
   * does not implement them would.
   */
  readonly filters?: 'apply' | 'reject';
  /** Write a few system events (types starting with `$`) at start-up, as a fresh node does. Default true. */
  readonly seedSystemEvents?: boolean;
  readonly serverVersion?: string;
  /**
   * How many recent event ids the server remembers to recognise a retry under `any`
   * (EventStoreDB's committed-events cache is bounded too). Unbounded by default.
   */
  readonly anyIdempotencyWindow?: number;
  /** Store clock in milliseconds since the epoch. */
  readonly clock?: () => number;
  /** The log to serve: the nodes of a test cluster share one (replication is instant unless a node lags). */
  readonly log?: InMemoryLog;
  /** The cluster this node belongs to: its gossip and the leader it names. */
  readonly cluster?: TestClusterView;
  /**
   * A subscription with this many messages written but not yet taken by the transport
   * (its client reads slower than the node sends) is dropped (UNAVAILABLE, "consumer too
   * slow"), as a node drops a subscriber that cannot keep up. Unbounded by default.
   */
  readonly slowConsumerMessages?: number;
}

/** What a node knows of its cluster. */
export interface TestClusterView {
  members(): MemberInfo[];
  /** The leader's endpoint, or null during an election. */
  leader(): { readonly host: string; readonly port: number } | null;
}

/** A node's part in the cluster's life. */
export type NodeRole = 'leader' | 'follower' | 'electing';

const U64_MAX = (1n << 64n) - 1n;
/** Server-side page size of filtered reads: the default `maxSearchWindow`, and the checkpoint interval unit. */
const DEFAULT_MAX_SEARCH_WINDOW = 32;

interface ActiveSubscription {
  readonly call: grpc.ServerWritableStream<ReadReq, ReadResp>;
  delivered: number;
  dropAfter: number | null;
}

export class EventStoreDbTestServer {
  readonly log: InMemoryLog;
  private readonly server = new grpc.Server();
  private readonly faults: { target: FaultTarget; kind: FaultKind; remaining: number }[] = [];
  private readonly subscriptions = new Set<ActiveSubscription>();
  private readonly options: Required<
    Omit<
      EventStoreDbTestServerOptions,
      'clock' | 'anyIdempotencyWindow' | 'log' | 'cluster' | 'slowConsumerMessages'
    >
  >;
  private readonly cluster: TestClusterView | undefined;
  private readonly slowConsumerMessages: number;
  /** The node's state in its cluster; a lone server is always the leader. */
  role: NodeRole = 'leader';
  /** Set while the node lags: it serves the log as it was up to here and delivers nothing newer. */
  private frozenAt: LogPosition | null | undefined = undefined;
  private stalled = false;
  private killed = false;
  private dropSubscriptionsAfterEvents: number | null = null;
  private port = 0;
  private readonly instanceId = crypto.randomUUID();
  /** Calls served, by method, so tests can tell which path the client took. */
  readonly calls = { append: 0, batchAppend: 0, read: 0, subscribe: 0, features: 0, gossip: 0 };
  /** Requests that carried `requires-leader: true`, by kind. */
  readonly requiresLeader = { append: 0, read: 0, subscribe: 0 };
  /** Events this node wrote to the log (as leader, or forwarded as a follower). */
  appended = 0;
  /** Subscriptions dropped because their client read too slowly. */
  slowConsumerDrops = 0;

  private constructor(options: EventStoreDbTestServerOptions) {
    this.options = {
      serverFeatures: options.serverFeatures ?? true,
      batchAppend: options.batchAppend ?? true,
      caughtUp: options.caughtUp ?? true,
      streamReadCommitPosition: options.streamReadCommitPosition ?? 'self-committed',
      seedSystemEvents: options.seedSystemEvents ?? true,
      filters: options.filters ?? 'apply',
      serverVersion: options.serverVersion ?? '24.10.0',
    };
    this.log = options.log ?? new InMemoryLog(options.clock, options.anyIdempotencyWindow);
    this.cluster = options.cluster;
    this.slowConsumerMessages = options.slowConsumerMessages ?? Infinity;
  }

  static async start(options: EventStoreDbTestServerOptions = {}): Promise<EventStoreDbTestServer> {
    const instance = new EventStoreDbTestServer(options);
    await instance.listen();
    if (instance.options.seedSystemEvents && !options.log) instance.seedSystemEvents();
    return instance;
  }

  /** `esdb://127.0.0.1:<port>?tls=false`, the form a single insecure node is reached by. */
  get connectionString(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The next `times` calls of `target` fail with `kind`, as a real node under that condition answers. */
  injectFault(target: FaultTarget, kind: FaultKind, times = 1): void {
    this.faults.push({ target, kind, remaining: times });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Ends every open subscription with UNAVAILABLE, as when the node goes away. */
  dropSubscriptions(): void {
    for (const subscription of this.subscriptions) this.fail(subscription.call, 'unavailable');
  }

  /** Subscriptions opened from now on are dropped (UNAVAILABLE) after delivering this many events; null stops it. */
  dropSubscriptionsAfter(events: number | null): void {
    this.dropSubscriptionsAfterEvents = events;
  }

  get openSubscriptions(): number {
    return this.subscriptions.size;
  }

  get isStalled(): boolean {
    return this.stalled;
  }

  get isKilled(): boolean {
    return this.killed;
  }

  /** The node stops answering: calls are accepted and held, live subscriptions deliver nothing. */
  stall(): void {
    this.stalled = true;
  }

  /** The node answers new calls again (calls it held stay unanswered, as a real stuck node's would time out). */
  resume(): void {
    this.stalled = false;
  }

  /** The node's view of the log stops here (a lagging follower, a demoted leader); null lifts it. */
  lag(lagging: boolean): void {
    this.frozenAt = lagging ? this.log.headPosition() : undefined;
  }

  /** The node dies: every connection drops. */
  async kill(): Promise<void> {
    this.killed = true;
    this.stalled = false;
    for (const subscription of this.subscriptions) this.fail(subscription.call, 'unavailable');
    this.subscriptions.clear();
    this.server.forceShutdown();
  }

  /** Whether this node's view holds the event (a lagging node does not see what came after). */
  private sees(position: LogPosition): boolean {
    if (this.frozenAt === undefined) return true;
    return this.frozenAt !== null && comparePositions(position, this.frozenAt) <= 0;
  }

  /**
   * What a node answers before serving a request, by its role: a request that requires the
   * leader reaching another node gets NotLeader naming the leader (UNAVAILABLE during an
   * election); a write reaching a follower is forwarded to the leader; nothing is served
   * while no leader exists. `'hold'`: a stuck node never answers.
   */
  private gate(
    metadata: grpc.Metadata,
    kind: 'append' | 'read' | 'subscribe',
  ): Partial<grpc.StatusObject> | 'hold' | null {
    if (this.stalled) return 'hold';
    const requiresLeader = metadata.get('requires-leader')[0] === 'true';
    if (requiresLeader) this.requiresLeader[kind]++;
    if (this.role === 'leader') return null;
    const leader = this.cluster?.leader() ?? null;
    if (!leader || this.role === 'electing') {
      return { code: grpc.status.UNAVAILABLE, details: 'Server Is Not Ready', metadata: new grpc.Metadata() };
    }
    if (requiresLeader) {
      const answer = new grpc.Metadata();
      answer.set('exception', 'not-leader');
      answer.set('leader-endpoint-host', leader.host);
      answer.set('leader-endpoint-port', String(leader.port));
      return { code: grpc.status.NOT_FOUND, details: 'Leader info available', metadata: answer };
    }
    return null;
  }

  /** Writes a system event (`$`-prefixed type), e.g. `$metadata` to `$$<stream>`, or a `$>` link. */
  appendSystemEvent(streamName: string, type: string, data: unknown = {}): void {
    this.log.append(streamName, { kind: 'any' }, [jsonEvent(type, data)]);
  }

  async stop(): Promise<void> {
    if (this.killed) return;
    this.killed = true;
    this.stalled = false;
    for (const subscription of this.subscriptions) subscription.call.end();
    this.subscriptions.clear();
    // Calls a stuck node held never end: shut down gracefully for a moment, then by force.
    await Promise.race([
      new Promise<void>((resolve) => this.server.tryShutdown(() => resolve())),
      new Promise<void>((resolve) => setTimeout(resolve, 500).unref()),
    ]);
    this.server.forceShutdown();
  }

  private seedSystemEvents(): void {
    this.appendSystemEvent('$users', '$User', { LoginName: 'admin' });
    this.appendSystemEvent('$user-admin', '$user', {
      loginName: 'admin',
      fullName: 'Event Store Administrator',
    });
    this.appendSystemEvent('$settings', '$settings', { $userStreamAcl: { $r: '$all' } });
  }

  private async listen(): Promise<void> {
    this.server.addService(StreamsService, {
      read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => this.read(call),
      append: (
        call: grpc.ServerReadableStream<AppendReq, AppendResp>,
        callback: grpc.sendUnaryData<AppendResp>,
      ) => this.append(call, callback),
      batchAppend: (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => this.batchAppend(call),
      delete: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(unimplemented('Delete')),
      tombstone: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(unimplemented('Tombstone')),
    });
    this.server.addService(ServerFeaturesService, {
      getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<SupportedMethods>) => {
        this.calls.features++;
        if (!this.options.serverFeatures) return callback(unimplemented('GetSupportedMethods'));
        callback(null, this.supportedMethods());
      },
    });
    // Gossip, for connection strings that name several nodes: one live leader, this server.
    this.server.addService(GossipService, {
      read: (_call: unknown, callback: grpc.sendUnaryData<ClusterInfo>) => {
        this.calls.gossip++;
        if (this.stalled) return;
        if (this.cluster) return callback(null, new ClusterInfo().setMembersList(this.cluster.members()));
        const leader = new MemberInfo()
          .setInstanceId(new UUID().setString(this.instanceId))
          .setTimeStamp(String(Date.now()))
          .setState(MemberInfo.VNodeState.LEADER)
          .setIsAlive(true)
          .setHttpEndPoint(new EndPoint().setAddress('127.0.0.1').setPort(this.port));
        callback(null, new ClusterInfo().setMembersList([leader]));
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
  }

  private supportedMethods(): SupportedMethods {
    const method = (service: string, name: string, features: string[] = []) =>
      new SupportedMethod().setServiceName(service).setMethodName(name).setFeaturesList(features);
    const streams = 'event_store.client.streams.streams';
    const methods = [
      method(streams, 'read', ['position', 'events', 'all']),
      method(streams, 'append'),
      ...(this.options.batchAppend ? [method(streams, 'batchappend')] : []),
      method('event_store.client.server_features.serverfeatures', 'getsupportedmethods'),
    ];
    return new SupportedMethods()
      .setMethodsList(methods)
      .setEventStoreServerVersion(this.options.serverVersion);
  }

  private takeFault(target: FaultTarget): FaultKind | null {
    const index = this.faults.findIndex((fault) => fault.target === target);
    if (index < 0) return null;
    const fault = this.faults[index];
    if (--fault.remaining <= 0) this.faults.splice(index, 1);
    return fault.kind;
  }

  private faultError(kind: FaultKind): Partial<grpc.StatusObject> {
    const metadata = new grpc.Metadata();
    switch (kind) {
      case 'unavailable':
        return { code: grpc.status.UNAVAILABLE, details: 'Server Is Not Ready', metadata };
      case 'not-leader':
        metadata.set('exception', 'not-leader');
        metadata.set('leader-endpoint-host', '127.0.0.1');
        metadata.set('leader-endpoint-port', String(this.port));
        return { code: grpc.status.NOT_FOUND, details: 'Leader info available', metadata };
      case 'deadline-exceeded':
        return { code: grpc.status.DEADLINE_EXCEEDED, details: 'Deadline Exceeded', metadata };
      case 'timeout':
        return { code: grpc.status.ABORTED, details: 'Operation timed out: Commit phase timeout.', metadata };
      case 'access-denied':
        metadata.set('exception', 'access-denied');
        return { code: grpc.status.PERMISSION_DENIED, details: 'Access Denied', metadata };
    }
  }

  private fail(call: { emit(event: 'error', error: unknown): unknown }, kind: FaultKind): void {
    call.emit('error', this.faultError(kind));
  }

  // ---- Streams.Append: options first, then proposed messages; one reply. ----

  private append(
    call: grpc.ServerReadableStream<AppendReq, AppendResp>,
    callback: grpc.sendUnaryData<AppendResp>,
  ): void {
    this.calls.append++;
    let options: AppendReq.Options | undefined;
    const events: EncodedEvent[] = [];
    let failed = false;
    call.on('data', (request: AppendReq) => {
      if (failed) return;
      if (!options) {
        if (!request.hasOptions()) {
          failed = true;
          return callback({
            code: grpc.status.INVALID_ARGUMENT,
            details: 'The first message must carry the options',
          });
        }
        options = request.getOptions();
        return;
      }
      const proposed = request.getProposedMessage();
      const event = proposed && toEncodedEvent(proposed);
      if (!event || typeof event === 'string') {
        failed = true;
        return callback(missingMetadata(typeof event === 'string' ? event : 'type'));
      }
      events.push(event);
    });
    call.on('end', () => {
      if (failed) return;
      if (!options) return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'No options received' });
      const refusal = this.gate(call.metadata, 'append');
      if (refusal === 'hold') return;
      if (refusal) return callback(refusal);
      const fault = this.takeFault('append');
      if (fault) return callback(this.faultError(fault));
      const streamName = streamNameOf(options.getStreamIdentifier());
      const expected = appendExpectedVersion(options);
      const outcome = this.log.append(streamName, expected, events);
      if (outcome.kind === 'written') this.appended += events.length;
      callback(...appendReply(streamName, expected, outcome));
    });
  }

  // ---- Streams.BatchAppend: bidirectional, correlated by id, errors as google.rpc.Status. ----

  private batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    this.calls.batchAppend++;
    const pending = new Map<string, { options: BatchAppendReq.Options; events: EncodedEvent[] }>();
    call.on('data', (request: BatchAppendReq) => {
      const correlationId = request.getCorrelationId();
      const key = uuidText(correlationId);
      if (request.hasOptions()) pending.set(key, { options: request.getOptions()!, events: [] });
      const write = pending.get(key);
      if (!write) return;
      for (const proposed of request.getProposedMessagesList()) {
        const event = toEncodedEvent(proposed);
        if (typeof event === 'string') {
          pending.delete(key);
          return call.write(
            batchError(
              correlationId,
              write.options.getStreamIdentifier(),
              badRequest(`Required Metadata Property '${event}' is missing`),
            ),
          );
        }
        write.events.push(event);
      }
      if (!request.getIsFinal()) return;
      pending.delete(key);
      const identifier = write.options.getStreamIdentifier();
      const refusal = this.gate(call.metadata, 'append');
      if (refusal === 'hold') return;
      // The real server fails the whole call when it cannot serve a write (NotHandled throws out of the worker).
      if (refusal) return void call.emit('error', refusal);
      const fault = this.takeFault('append');
      switch (fault) {
        case 'access-denied':
          return call.write(
            batchError(
              correlationId,
              identifier,
              packedStatus(7, 'AccessDenied', new AccessDenied(), 'event_store.client.AccessDenied'),
            ),
          );
        case 'timeout':
          return call.write(
            batchError(
              correlationId,
              identifier,
              packedStatus(4, 'Timeout', new Timeout(), 'event_store.client.Timeout'),
            ),
          );
        case 'unavailable':
        case 'not-leader':
        case 'deadline-exceeded':
          // The real server fails the whole call for these (NotHandled with leader info throws out of the worker).
          return this.fail(call, fault);
        case null:
          break;
      }
      const streamName = streamNameOf(identifier);
      const expected = batchExpectedVersion(write.options);
      const outcome = this.log.append(streamName, expected, write.events);
      if (outcome.kind === 'written') this.appended += write.events.length;
      call.write(batchReply(correlationId, identifier, expected, outcome));
    });
    call.on('end', () => call.end());
  }

  // ---- Streams.Read: stream reads, $all reads, subscriptions. ----

  private read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
    const options = call.request.getOptions();
    if (!options)
      return this.failWith(call, grpc.status.INVALID_ARGUMENT, "'options' is a required argument");
    const subscription = options.getCountOptionCase() === ReadReq.Options.CountOptionCase.SUBSCRIPTION;
    if (subscription) this.calls.subscribe++;
    else this.calls.read++;
    const refusal = this.gate(call.metadata, subscription ? 'subscribe' : 'read');
    if (refusal === 'hold') return;
    if (refusal) return void call.emit('error', refusal);
    const fault = this.takeFault(subscription ? 'subscribe' : 'read');
    if (fault) return this.fail(call, fault);

    const streamCase = options.getStreamOptionCase();
    if (streamCase === ReadReq.Options.StreamOptionCase.STREAM) {
      if (subscription)
        return this.failWith(
          call,
          grpc.status.UNIMPLEMENTED,
          'Stream subscriptions are not served by the test server',
        );
      return this.readStream(call, options);
    }
    if (streamCase !== ReadReq.Options.StreamOptionCase.ALL) {
      return this.failWith(
        call,
        grpc.status.INVALID_ARGUMENT,
        `'${streamCase}' is not a valid StreamOptionOneofCase`,
      );
    }
    if (options.hasFilter() && this.options.filters === 'reject') {
      return this.failWith(
        call,
        grpc.status.INVALID_ARGUMENT,
        'The combination of (All, Filter) is invalid.',
      );
    }
    let filter: EventFilter | undefined;
    try {
      filter = toFilter(options);
    } catch (error) {
      return this.failWith(call, grpc.status.INVALID_ARGUMENT, (error as Error).message);
    }
    if (subscription) return this.subscribeToAll(call, options, filter);
    this.readAll(call, options, filter);
  }

  private readStream(call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
    const streamOptions = options.getStream()!;
    const streamName = streamNameOf(streamOptions.getStreamIdentifier());
    if (this.log.isDeleted(streamName)) return void call.emit('error', streamDeletedError(streamName));
    const stored = this.log.stream(streamName)?.filter((event) => this.sees(event.position));
    const stream = stored?.length ? stored : undefined;
    if (!stream) {
      const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(streamOptions.getStreamIdentifier());
      call.write(new ReadResp().setStreamNotFound(notFound));
      return void call.end();
    }
    const count = Number(BigInt(options.getCount() || '0'));
    const forwards = options.getReadDirection() === ReadReq.Options.ReadDirection.FORWARDS;
    const revisionCase = streamOptions.getRevisionOptionCase();
    let selected: StoredEvent[];
    if (forwards) {
      const from =
        revisionCase === ReadReq.Options.StreamOptions.RevisionOptionCase.REVISION
          ? BigInt(streamOptions.getRevision())
          : revisionCase === ReadReq.Options.StreamOptions.RevisionOptionCase.END
            ? BigInt(stream.length)
            : 0n;
      selected = stream.slice(
        Number(from < BigInt(stream.length) ? from : BigInt(stream.length)),
        Number(from) + count,
      );
    } else {
      const from =
        revisionCase === ReadReq.Options.StreamOptions.RevisionOptionCase.REVISION
          ? BigInt(streamOptions.getRevision())
          : revisionCase === ReadReq.Options.StreamOptions.RevisionOptionCase.START
            ? 0n
            : BigInt(stream.length) - 1n;
      const upTo = from >= BigInt(stream.length) ? stream.length - 1 : Number(from);
      selected = stream.slice(Math.max(0, upTo - count + 1), upTo + 1).reverse();
    }
    for (const event of selected) call.write(this.readEvent(event, 'stream', options));
    call.end();
  }

  private readAll(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    options: ReadReq.Options,
    filter: EventFilter | undefined,
  ): void {
    const allOptions = options.getAll()!;
    const count = Number(BigInt(options.getCount() || '0'));
    const forwards = options.getReadDirection() === ReadReq.Options.ReadDirection.FORWARDS;
    const events = this.log.allEvents().filter((event) => this.sees(event.position));
    let candidates: readonly StoredEvent[];
    switch (allOptions.getAllOptionCase()) {
      case ReadReq.Options.AllOptions.AllOptionCase.START:
        candidates = forwards ? events : [];
        break;
      case ReadReq.Options.AllOptions.AllOptionCase.END:
        candidates = forwards ? [] : [...events].reverse();
        break;
      default: {
        const from = positionOf(allOptions.getPosition()!);
        // Forwards reads include the event at the position; backwards reads start before it.
        candidates = forwards
          ? events.filter((event) => comparePositions(event.position, from) >= 0)
          : events.filter((event) => comparePositions(event.position, from) < 0).reverse();
      }
    }
    let sent = 0;
    for (const event of candidates) {
      if (sent >= count) break;
      if (!filterAllows(filter, event)) continue;
      call.write(this.readEvent(event, 'all', options));
      sent++;
    }
    call.end();
  }

  private subscribeToAll(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    options: ReadReq.Options,
    filter: EventFilter | undefined,
  ): void {
    const subscription: ActiveSubscription = {
      call,
      delivered: 0,
      dropAfter: this.dropSubscriptionsAfterEvents,
    };
    this.subscriptions.add(subscription);
    const filterOptions = options.hasFilter() ? options.getFilter()! : undefined;
    const window =
      filterOptions?.getWindowCase() === ReadReq.Options.FilterOptions.WindowCase.MAX
        ? filterOptions.getMax()
        : DEFAULT_MAX_SEARCH_WINDOW;
    const checkpointInterval = filterOptions
      ? Math.max(1, filterOptions.getCheckpointintervalmultiplier()) * window
      : Infinity;
    let considered = 0;
    let dropped = false;

    const allOptions = options.getAll()!;
    const events = this.log.allEvents().filter((event) => this.sees(event.position));
    let checkpoint: LogPosition | null;
    switch (allOptions.getAllOptionCase()) {
      case ReadReq.Options.AllOptions.AllOptionCase.START:
        checkpoint = null;
        break;
      case ReadReq.Options.AllOptions.AllOptionCase.END:
        checkpoint = events.at(-1)?.position ?? null;
        break;
      default:
        checkpoint = positionOf(allOptions.getPosition()!);
    }

    const send = (event: StoredEvent): void => {
      if (dropped) return;
      considered++;
      if (call.writableLength > this.slowConsumerMessages) {
        dropped = true;
        this.slowConsumerDrops++;
        return void call.emit('error', {
          code: grpc.status.UNAVAILABLE,
          details: 'Subscription dropped: the consumer is too slow',
        });
      }
      if (filterAllows(filter, event)) {
        call.write(this.readEvent(event, 'all', options));
        subscription.delivered++;
      }
      checkpoint = event.position;
      if (considered >= checkpointInterval) {
        considered = 0;
        call.write(checkpointMessage(event.position));
      }
      if (subscription.dropAfter !== null && subscription.delivered >= subscription.dropAfter) {
        dropped = true;
        this.fail(call, 'unavailable');
      }
    };

    // A stuck or lagging node delivers nothing new to its subscribers.
    const stopListening = this.log.subscribe((event) => {
      if (!this.stalled && this.sees(event.position)) send(event);
    });
    const close = () => {
      stopListening();
      this.subscriptions.delete(subscription);
    };
    call.on('cancelled', close);
    call.on('finish', close);
    call.on('close', close);

    call.write(
      new ReadResp().setConfirmation(
        new ReadResp.SubscriptionConfirmation().setSubscriptionId(crypto.randomUUID()),
      ),
    );
    // Subscriptions are exclusive of their start position: they deliver what comes after it.
    const start = checkpoint;
    for (const event of events) {
      if (dropped) return;
      if (start !== null && comparePositions(event.position, start) <= 0) continue;
      send(event);
    }
    if (dropped) return;
    if (filterOptions && checkpoint !== null) call.write(checkpointMessage(checkpoint));
    if (this.options.caughtUp) call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
  }

  private readEvent(event: StoredEvent, read: 'stream' | 'all', options: ReadReq.Options): ReadResp {
    const structured =
      options.getUuidOption()?.getContentCase() === ReadReq.Options.UUIDOption.ContentCase.STRUCTURED;
    let commit = event.position.commit;
    let prepare = event.position.prepare;
    if (read === 'stream') {
      // Stream reads come from the index, which does not know where a transaction committed.
      const known = event.selfCommitted && this.options.streamReadCommitPosition === 'self-committed';
      commit = known ? commit : U64_MAX;
      prepare = event.selfCommitted ? prepare : U64_MAX;
    }
    const recorded = new ReadResp.ReadEvent.RecordedEvent()
      .setId(structured ? structuredUuid(event.eventId) : new UUID().setString(event.eventId))
      .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(event.streamName, 'utf8')))
      .setStreamRevision(event.revision.toString())
      .setCommitPosition(commit.toString())
      .setPreparePosition(prepare.toString())
      .setData(event.data)
      .setCustomMetadata(event.metadata);
    recorded
      .getMetadataMap()
      .set('type', event.type)
      .set('content-type', event.contentType)
      .set('created', event.createdTicks.toString());
    const readEvent = new ReadResp.ReadEvent().setEvent(recorded);
    if (read === 'all' || commit !== U64_MAX) readEvent.setCommitPosition(commit.toString());
    else readEvent.setNoPosition(new Empty());
    return new ReadResp().setEvent(readEvent);
  }

  private failWith(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    code: grpc.status,
    details: string,
  ): void {
    call.emit('error', { code, details });
  }
}

// ---- helpers ----

function jsonEvent(type: string, data: unknown): EncodedEvent {
  return {
    eventId: crypto.randomUUID(),
    type,
    contentType: 'application/json',
    data: Buffer.from(JSON.stringify(data), 'utf8'),
    metadata: new Uint8Array(),
  };
}

function unimplemented(method: string): Partial<grpc.StatusObject> {
  return { code: grpc.status.UNIMPLEMENTED, details: `${method} is not implemented by the test server` };
}

function missingMetadata(property: string): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'missing-required-metadata-property');
  metadata.set('required-metadata-properties', 'type,content-type');
  return {
    code: grpc.status.INVALID_ARGUMENT,
    details: `Required Metadata Property '${property}' is missing`,
    metadata,
  };
}

function streamNameOf(identifier: StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

function uuidText(uuid: UUID | undefined): string {
  if (!uuid) return '';
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured()!;
    const bytes = Buffer.alloc(16);
    bytes.writeBigUInt64BE(BigInt.asUintN(64, BigInt(structured.getMostSignificantBits())), 0);
    bytes.writeBigUInt64BE(BigInt.asUintN(64, BigInt(structured.getLeastSignificantBits())), 8);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return uuid.getString().toLowerCase();
}

function structuredUuid(text: string): UUID {
  const bytes = Buffer.from(text.replace(/-/g, ''), 'hex');
  const structured = new UUID.Structured()
    .setMostSignificantBits(BigInt.asIntN(64, bytes.readBigUInt64BE(0)).toString())
    .setLeastSignificantBits(BigInt.asIntN(64, bytes.readBigUInt64BE(8)).toString());
  return new UUID().setStructured(structured);
}

/** The proposed event, or the name of the required metadata property it lacks. */
function toEncodedEvent(
  proposed: AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage,
): EncodedEvent | string {
  const metadata = proposed.getMetadataMap();
  const type = metadata.get('type');
  if (type === undefined) return 'type';
  const contentType = metadata.get('content-type');
  if (contentType === undefined) return 'content-type';
  return {
    eventId: uuidText(proposed.getId()),
    type,
    contentType,
    data: proposed.getData_asU8(),
    metadata: proposed.getCustomMetadata_asU8(),
  };
}

function appendExpectedVersion(options: AppendReq.Options): ExpectedVersion {
  switch (options.getExpectedStreamRevisionCase()) {
    case AppendReq.Options.ExpectedStreamRevisionCase.REVISION:
      return { kind: 'revision', revision: BigInt(options.getRevision()) };
    case AppendReq.Options.ExpectedStreamRevisionCase.NO_STREAM:
      return { kind: 'no_stream' };
    case AppendReq.Options.ExpectedStreamRevisionCase.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return { kind: 'any' };
  }
}

function batchExpectedVersion(options: BatchAppendReq.Options): ExpectedVersion {
  switch (options.getExpectedStreamPositionCase()) {
    case BatchAppendReq.Options.ExpectedStreamPositionCase.STREAM_POSITION:
      return { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
    case BatchAppendReq.Options.ExpectedStreamPositionCase.NO_STREAM:
      return { kind: 'no_stream' };
    case BatchAppendReq.Options.ExpectedStreamPositionCase.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return { kind: 'any' };
  }
}

function streamDeletedError(streamName: string): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'stream-deleted');
  metadata.set('stream-name', streamName);
  return {
    code: grpc.status.FAILED_PRECONDITION,
    details: `Event stream '${streamName}' is deleted.`,
    metadata,
  };
}

function appendReply(
  streamName: string,
  expected: ExpectedVersion,
  outcome: AppendOutcome,
): [Partial<grpc.StatusObject> | null, AppendResp?] {
  const response = new AppendResp();
  switch (outcome.kind) {
    case 'stream-deleted':
      return [streamDeletedError(streamName)];
    case 'written':
    case 'idempotent': {
      const success = new AppendResp.Success();
      if (outcome.currentRevision < 0n) success.setNoStream(new Empty());
      else success.setCurrentRevision(outcome.currentRevision.toString());
      if (outcome.position) {
        success.setPosition(
          new AppendResp.Position()
            .setCommitPosition(outcome.position.commit.toString())
            .setPreparePosition(outcome.position.prepare.toString()),
        );
      } else success.setNoPosition(new Empty());
      return [null, response.setSuccess(success)];
    }
    case 'wrong-expected-version': {
      // Both the current fields and the 20.6.0 ones, as the server fills them.
      const wrong = new AppendResp.WrongExpectedVersion();
      switch (expected.kind) {
        case 'any':
          wrong.setExpectedAny(new Empty()).setAny2060(new Empty());
          break;
        case 'stream_exists':
          wrong.setExpectedStreamExists(new Empty()).setStreamExists2060(new Empty());
          break;
        case 'no_stream':
          wrong.setExpectedNoStream(new Empty());
          break;
        case 'revision':
          wrong.setExpectedRevision(expected.revision.toString());
          if (expected.revision <= BigInt(Number.MAX_SAFE_INTEGER))
            wrong.setExpectedRevision2060(Number(expected.revision));
          break;
      }
      if (outcome.currentRevision === 'no_stream')
        wrong.setCurrentNoStream(new Empty()).setNoStream2060(new Empty());
      else {
        wrong.setCurrentRevision(outcome.currentRevision.toString());
        wrong.setCurrentRevision2060(Number(outcome.currentRevision));
      }
      return [null, response.setWrongExpectedVersion(wrong)];
    }
  }
}

function packedStatus(
  code: number,
  message: string,
  details: { serializeBinary(): Uint8Array },
  typeName: string,
): Status {
  const any = new Any();
  any.pack(details.serializeBinary(), typeName);
  return new Status().setCode(code).setMessage(message).setDetails(any);
}

function badRequest(message: string): Status {
  return new Status().setCode(3).setMessage(message);
}

function batchError(
  correlationId: UUID | undefined,
  identifier: StreamIdentifier | undefined,
  error: Status,
): BatchAppendResp {
  const response = new BatchAppendResp().setError(error);
  if (correlationId) response.setCorrelationId(correlationId);
  if (identifier) response.setStreamIdentifier(identifier);
  return response;
}

function batchReply(
  correlationId: UUID | undefined,
  identifier: StreamIdentifier | undefined,
  expected: ExpectedVersion,
  outcome: AppendOutcome,
): BatchAppendResp {
  switch (outcome.kind) {
    case 'stream-deleted':
      return batchError(
        correlationId,
        identifier,
        packedStatus(
          5,
          'StreamDeleted',
          new StreamDeleted().setStreamIdentifier(identifier),
          'event_store.client.StreamDeleted',
        ),
      );
    case 'wrong-expected-version': {
      // google.rpc.Status{ALREADY_EXISTS, details: Any(event_store.client.WrongExpectedVersion)}, as Status.WrongExpectedVersion builds it.
      const details = new WrongExpectedVersion();
      if (outcome.currentRevision === 'no_stream') details.setCurrentNoStream(new ProtoEmpty());
      else details.setCurrentStreamRevision(outcome.currentRevision.toString());
      switch (expected.kind) {
        case 'any':
          details.setExpectedAny(new ProtoEmpty());
          break;
        case 'no_stream':
          details.setExpectedNoStream(new ProtoEmpty());
          break;
        case 'stream_exists':
          details.setExpectedStreamExists(new ProtoEmpty());
          break;
        case 'revision':
          details.setExpectedStreamPosition(expected.revision.toString());
          break;
      }
      return batchError(
        correlationId,
        identifier,
        packedStatus(6, 'WrongExpectedVersion', details, 'event_store.client.WrongExpectedVersion'),
      );
    }
    case 'written':
    case 'idempotent': {
      const success = new BatchAppendResp.Success();
      if (outcome.currentRevision < 0n) success.setNoStream(new ProtoEmpty());
      else success.setCurrentRevision(outcome.currentRevision.toString());
      if (outcome.position) {
        success.setPosition(
          new AllStreamPosition()
            .setCommitPosition(outcome.position.commit.toString())
            .setPreparePosition(outcome.position.prepare.toString()),
        );
      } else success.setNoPosition(new ProtoEmpty());
      const response = new BatchAppendResp().setSuccess(success);
      if (correlationId) response.setCorrelationId(correlationId);
      if (identifier) response.setStreamIdentifier(identifier);
      return response;
    }
  }
}

function positionOf(position: ReadReq.Options.Position): LogPosition {
  return { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) };
}

function checkpointMessage(position: LogPosition): ReadResp {
  return new ReadResp().setCheckpoint(
    new ReadResp.Checkpoint()
      .setCommitPosition(position.commit.toString())
      .setPreparePosition(position.prepare.toString()),
  );
}

/** The server-side filter of a read: by event type or stream name, as a regex or a list of prefixes. */
function toFilter(options: ReadReq.Options): EventFilter | undefined {
  if (!options.hasFilter()) return undefined;
  const filter = options.getFilter()!;
  const on = filter.hasEventType() ? 'event-type' : filter.hasStreamIdentifier() ? 'stream-name' : null;
  if (!on) throw new Error('A filter needs an event type or a stream identifier expression');
  const expression = on === 'event-type' ? filter.getEventType()! : filter.getStreamIdentifier()!;
  const regex = expression.getRegex();
  if (regex) return { on, regex: new RegExp(regex) };
  return { on, prefixes: expression.getPrefixList() };
}
