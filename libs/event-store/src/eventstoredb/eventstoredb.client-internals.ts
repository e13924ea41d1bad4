import { Metadata, status, type ClientReadableStream } from '@grpc/grpc-js';
import { EventStoreDBClient, type EventType, type ResolvedEvent } from '@eventstore/db-client';
import { StreamsClient, StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ReadReq } from '@eventstore/db-client/generated/streams_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import { convertToCommandError } from '@eventstore/db-client/dist/utils/CommandError';
import { isClientCancellationError } from '@eventstore/db-client/dist/utils/isClientCancellationError';
import type { ServerFilter } from './eventstoredb.filter';
import { decodeReadResponse } from './eventstoredb.read-decoder';

export interface FilteredReadRequest {
  /** `'start'`, `'end'`, or a position: forwards reads include it, backwards reads start before it. */
  readonly from: 'start' | 'end' | { readonly commit: bigint; readonly prepare: bigint };
  readonly direction: 'forwards' | 'backwards';
  readonly maxCount: number;
  /** Null reads without a filter (for servers that refuse filtered reads). */
  readonly filter: ServerFilter | null;
}

/** Per-call settings the client's own calls take as `deadline` and `requiresLeader`. */
export interface CallSettings {
  readonly deadlineMs: number;
  readonly requiresLeader: boolean;
  /** Cancels the call on the wire (the adapter gave up on it). */
  readonly cancelled?: AbortSignal;
}

/** A read the client cancelled (the store closing) instead of the server ending it. */
export class ReadCancelledError extends Error {
  constructor() {
    super('the read was cancelled before the server ended it');
    this.name = 'ReadCancelledError';
  }
}

/**
 * The one place that reaches @eventstore/db-client's private internals (pinned to 6.2.x;
 * `eventstoredb.client-internals.spec.ts` fails when the client changes them).
 * What @eventstore/db-client 6.x does not offer publicly: filtered reads of
 * `$all` (it filters subscriptions only, although the server has filtered reads
 * since 20.6) and the endpoint it is connected to. Both go through the client's
 * own channel, call arguments (credentials, leader requirement) and error
 * conversion, reached as a subclass reaches protected members, so that
 * reconnection after a lost leader behaves exactly as for the client's calls.
 */
export abstract class ClientInternals extends EventStoreDBClient {
  /** Reads `$all` with a server-side filter; the server pages internally up to `maxCount` matching events. */
  static async readAllFiltered(
    client: EventStoreDBClient,
    request: FilteredReadRequest,
    call: CallSettings,
  ): Promise<ResolvedEvent<EventType>[]> {
    const self = client as ClientInternals;
    const req = new ReadReq().setOptions(buildOptions(request));
    // The client's Streams.Read, with the responses decoded by decodeReadResponse rather than
    // through the generated message classes: the bulk of a catch-up's cost per event.
    const create = self.GRPCStreamCreator(StreamsClient, 'readAll', (grpc) =>
      grpc.makeServerStreamRequest(
        StreamsService.read.path,
        StreamsService.read.requestSerialize,
        decodeReadResponse,
        req,
        ...self.callArguments({ deadline: call.deadlineMs, requiresLeader: call.requiresLeader }),
      ),
    );
    const stream: ClientReadableStream<ResolvedEvent<EventType> | null> = await create();
    call.cancelled?.addEventListener('abort', () => stream.cancel(), { once: true });
    return new Promise((resolve, reject) => {
      const events: ResolvedEvent<EventType>[] = [];
      stream.on('data', (resolved: ResolvedEvent<EventType> | null) => {
        if (resolved) events.push(resolved);
      });
      // A cancelled read is not a complete one: what arrived before the cancellation is not the answer.
      stream.on('error', (error: Error) =>
        reject(isClientCancellationError(error) ? new ReadCancelledError() : convertToCommandError(error)),
      );
      stream.on('end', () => resolve(events));
    });
  }

  /**
   * Drops the client's channel as the client itself does after UNAVAILABLE: calls on it end,
   * and the next call rediscovers the leader with this node tried last. For a node that
   * accepts calls and never answers, which the client would otherwise keep using.
   */
  static async reconnect(client: EventStoreDBClient): Promise<void> {
    const self = client as ClientInternals;
    // Private, not protected, in the client's declarations: reached by its name.
    const { getGRPCClient } = client as unknown as {
      getGRPCClient(type: typeof StreamsClient, debugName: string): Promise<StreamsClient>;
    };
    const grpc = await getGRPCClient(StreamsClient, 'reconnect');
    const unavailable = Object.assign(new Error('the node did not answer within the deadline'), {
      code: status.UNAVAILABLE,
      details: 'the node did not answer within the deadline',
      metadata: new Metadata(),
    });
    await self.handleError(grpc, unavailable);
  }

  /** `host:port` of the node the client's channel reaches (resolving it if not yet connected). */
  static async endpoint(client: EventStoreDBClient): Promise<string> {
    const self = client as ClientInternals;
    const channel = await self.getChannel();
    return channel.getTarget().replace(/^dns:(\/\/\/)?/, '');
  }
}

/**
 * The client's discovery gave up: no seed named a node it could use (an election in
 * progress, every node down). The client raises a plain Error for it, told apart by its message.
 */
export function isDiscoveryFailure(error: unknown): boolean {
  return error instanceof Error && DISCOVERY_FAILURE.test(error.message);
}

export const DISCOVERY_FAILURE = /^Failed to discover after \d+ attempts\.$/;

function buildOptions(request: FilteredReadRequest): ReadReq.Options {
  const all = new ReadReq.Options.AllOptions();
  if (request.from === 'start') all.setStart(new Empty());
  else if (request.from === 'end') all.setEnd(new Empty());
  else {
    all.setPosition(
      new ReadReq.Options.Position()
        .setCommitPosition(request.from.commit.toString())
        .setPreparePosition(request.from.prepare.toString()),
    );
  }
  const options = new ReadReq.Options();
  if (request.filter === null) options.setNoFilter(new Empty());
  else {
    const expression = new ReadReq.Options.FilterOptions.Expression();
    if ('regex' in request.filter) expression.setRegex(request.filter.regex);
    else expression.setPrefixList([...request.filter.prefixes]);
    const filter = new ReadReq.Options.FilterOptions()
      .setCount(new Empty())
      .setCheckpointintervalmultiplier(1);
    if (request.filter.on === 'event-type') filter.setEventType(expression);
    else filter.setStreamIdentifier(expression);
    options.setFilter(filter);
  }
  return options
    .setAll(all)
    .setReadDirection(
      request.direction === 'forwards'
        ? ReadReq.Options.ReadDirection.FORWARDS
        : ReadReq.Options.ReadDirection.BACKWARDS,
    )
    .setResolveLinks(false)
    .setCount(String(request.maxCount))
    .setUuidOption(new ReadReq.Options.UUIDOption().setString(new Empty()));
}
