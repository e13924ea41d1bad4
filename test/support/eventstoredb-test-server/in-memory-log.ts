/**
 * The storage semantics of the EventStoreDB test server: a transaction file of
 * records at increasing byte positions, streams indexed over it, and the
 * expected-version and idempotency checks of EventStoreDB's index writer
 * (`IndexWriter.CheckCommit`), reproduced so the adapter meets them here first.
 *
 * Test infrastructure only: everything lives in memory.
 */

/** `ExpectedVersion` of EventStoreDB: a revision, or one of the three conditions. */
export type ExpectedVersion =
  | { readonly kind: 'any' }
  | { readonly kind: 'no_stream' }
  | { readonly kind: 'stream_exists' }
  | { readonly kind: 'revision'; readonly revision: bigint };

/** An event as an append brings it: its data and metadata as the bytes the client sent. */
export interface EncodedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export interface StoredEvent extends EncodedEvent {
  readonly streamName: string;
  readonly revision: bigint;
  /** Creation time in .NET ticks (100 ns) since the Unix epoch, as the server writes `created`. */
  readonly createdTicks: bigint;
  readonly position: LogPosition;
  /** False for events of a legacy explicit transaction: their commit lies after their prepare. */
  readonly selfCommitted: boolean;
}

export type AppendOutcome =
  /** `currentRevision` -1 and no position: nothing written to a stream that does not exist. */
  | {
      readonly kind: 'written' | 'idempotent';
      readonly currentRevision: bigint;
      readonly position: LogPosition | null;
    }
  | { readonly kind: 'wrong-expected-version'; readonly currentRevision: bigint | 'no_stream' }
  | { readonly kind: 'stream-deleted' };

export type EventFilter =
  | { readonly on: 'event-type' | 'stream-name'; readonly regex: RegExp }
  | { readonly on: 'event-type' | 'stream-name'; readonly prefixes: readonly string[] };

export function filterAllows(filter: EventFilter | undefined, event: StoredEvent): boolean {
  if (!filter) return true;
  const subject = filter.on === 'event-type' ? event.type : event.streamName;
  return 'regex' in filter
    ? filter.regex.test(subject)
    : filter.prefixes.some((prefix) => subject.startsWith(prefix));
}

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

const TICKS_PER_MILLISECOND = 10_000n;
/** Fixed part of a prepare record's size in the transaction file (header, ids, flags). */
const PREPARE_RECORD_OVERHEAD = 96;
const COMMIT_RECORD_SIZE = 48n;

type Listener = (event: StoredEvent) => void;

export class InMemoryLog {
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  /** EventStoreDB keeps a bounded cache of committed event ids for idempotency with `any` (and `stream_exists`). */
  private readonly committedIds = new Map<string, StoredEvent>();
  private readonly deleted = new Set<string>();
  private readonly listeners = new Set<Listener>();
  /** The real log starts with epoch and chunk records; user data never sits at position 0. */
  private nextPosition = 1024n;

  constructor(
    private readonly clock: () => number = Date.now,
    /** How many recent ids the `any` idempotency check remembers; unbounded by default. */
    private readonly idCacheSize = Infinity,
  ) {}

  append(streamName: string, expected: ExpectedVersion, events: readonly EncodedEvent[]): AppendOutcome {
    if (this.deleted.has(streamName)) return { kind: 'stream-deleted' };
    const stream = this.streams.get(streamName) ?? [];
    const current = BigInt(stream.length) - 1n;
    const wrong = (): AppendOutcome => ({
      kind: 'wrong-expected-version',
      currentRevision: current < 0n ? 'no_stream' : current,
    });

    if (expected.kind === 'stream_exists' && current < 0n) return wrong();

    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      // Idempotency by event id alone: the first id decides whether this is a retry.
      let end: StoredEvent | undefined;
      for (const [index, proposed] of events.entries()) {
        const known = this.committedIds.get(proposed.eventId);
        if (!known || known.streamName !== streamName) {
          if (index === 0) return this.write(streamName, stream, events);
          return wrong(); // part of the batch is stored, part is not: corrupted idempotency
        }
        end = known;
      }
      if (!end) return this.write(streamName, stream, events);
      return {
        kind: 'idempotent',
        currentRevision: end.revision,
        position: stream[Number(end.revision)].position,
      };
    }

    const expectedRevision = expected.kind === 'no_stream' ? -1n : expected.revision;
    if (expectedRevision < current) {
      if (events.length === 0) return wrong();
      for (const [index, proposed] of events.entries()) {
        const stored = stream[Number(expectedRevision) + 1 + index];
        if (stored?.eventId !== proposed.eventId) return wrong();
      }
      const end = stream[Number(expectedRevision) + events.length];
      return { kind: 'idempotent', currentRevision: end.revision, position: end.position };
    }
    if (expectedRevision > current) return wrong();
    return this.write(streamName, stream, events);
  }

  /**
   * Writes events as a legacy explicit transaction (the TCP API's transactions):
   * their prepares come first and one commit record after them, so every event
   * has a commit position beyond its prepare position.
   */
  appendLegacyTransaction(streamName: string, events: readonly EncodedEvent[]): readonly StoredEvent[] {
    const stream = this.streams.get(streamName) ?? [];
    const prepares = events.map((event) => this.reserve(streamName, event));
    const commit = this.nextPosition;
    this.nextPosition += COMMIT_RECORD_SIZE;
    const stored = events.map((event, index) =>
      this.store(streamName, stream, event, { commit, prepare: prepares[index] }, false),
    );
    stored.forEach((event) => this.notify(event));
    return stored;
  }

  /** Hard-deletes a stream as `$tombstone` does: a `$streamDeleted` record, then no more reads or writes. */
  tombstone(streamName: string): void {
    this.write(streamName, this.streams.get(streamName) ?? [], [
      {
        eventId: crypto.randomUUID(),
        type: '$streamDeleted',
        contentType: 'application/octet-stream',
        data: new Uint8Array(),
        metadata: new Uint8Array(),
      },
    ]);
    this.deleted.add(streamName);
  }

  isDeleted(streamName: string): boolean {
    return this.deleted.has(streamName);
  }

  stream(streamName: string): readonly StoredEvent[] | undefined {
    return this.streams.get(streamName);
  }

  /** `$all` in commit order. */
  allEvents(): readonly StoredEvent[] {
    return this.all;
  }

  headPosition(): LogPosition | null {
    return this.all.at(-1)?.position ?? null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(streamName: string, stream: StoredEvent[], events: readonly EncodedEvent[]): AppendOutcome {
    if (events.length === 0) {
      const last = stream.at(-1);
      return { kind: 'written', currentRevision: last?.revision ?? -1n, position: last?.position ?? null };
    }
    const stored = events.map((event) => {
      const prepare = this.reserve(streamName, event);
      return this.store(streamName, stream, event, { commit: prepare, prepare }, true);
    });
    stored.forEach((event) => this.notify(event));
    const last = stored[stored.length - 1];
    return { kind: 'written', currentRevision: last.revision, position: last.position };
  }

  private reserve(streamName: string, event: EncodedEvent): bigint {
    const position = this.nextPosition;
    const size =
      PREPARE_RECORD_OVERHEAD +
      Buffer.byteLength(streamName) +
      Buffer.byteLength(event.type) +
      event.data.byteLength +
      event.metadata.byteLength;
    this.nextPosition += BigInt(size);
    return position;
  }

  private store(
    streamName: string,
    stream: StoredEvent[],
    event: EncodedEvent,
    position: LogPosition,
    selfCommitted: boolean,
  ): StoredEvent {
    const stored: StoredEvent = {
      ...event,
      streamName,
      revision: BigInt(stream.length),
      createdTicks: BigInt(this.clock()) * TICKS_PER_MILLISECOND,
      position,
      selfCommitted,
    };
    stream.push(stored);
    this.streams.set(streamName, stream);
    this.all.push(stored);
    this.committedIds.delete(event.eventId);
    this.committedIds.set(event.eventId, stored);
    if (this.committedIds.size > this.idCacheSize) {
      this.committedIds.delete(this.committedIds.keys().next().value as string);
    }
    return stored;
  }

  private notify(event: StoredEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
