import { Logger } from '@nestjs/common';
import type { JsonValue, StateSnapshotCodec } from '@timeline/kernel';
import {
  FileDecidedStateStore,
  UnreadableDecidedStateError,
  type DecidedStateHeader,
  type SavedDecidedState,
  type StoredDecidedState,
} from './file.decided-state-store';

/** Options of the snapshots of the decided state (RecordingModule.forRoot's `decidedState`). */
export interface DecidedStateSnapshotOptions {
  /** Directory of the snapshot files, e.g. `<DATA_DIR>/decided-state`. */
  readonly directory: string;
  /**
   * A snapshot is taken once an operation has this many events more than its last one,
   * and at least a tenth more (`SNAPSHOT_GROWTH`): see `isDue`.
   */
  readonly every: number;
  /**
   * How many operations, those snapshotted most recently, have their decided state
   * loaded in the background after a start, so that their first write is warm. 0: none.
   */
  readonly warmUp?: number;
}

/**
 * What the write path keeps of an operation besides the decider's state, in a
 * snapshot (its event ids are the state's: `OperationDecider.revisionOf`).
 */
export interface WriterSnapshotParts {
  /** Requests stored with an idempotency key: [scope, request hash, first revision, last revision]. */
  readonly keyedRequests: readonly (readonly [string, string, number, number])[];
}

/** A snapshot read back, checked and decoded: the state and revision the writer continues from. */
export interface RestoredDecidedState<State> extends WriterSnapshotParts {
  readonly state: State;
  readonly revision: number;
  readonly headHash: string;
}

interface Taken {
  readonly operationId: string;
  readonly revision: number;
  readonly at: string;
}

/** The operators' figures (GET /health/details, `decidedState`). */
export interface DecidedStateReport {
  readonly directory: string;
  readonly every: number;
  /** Snapshots written, and the last one. */
  readonly saved: number;
  readonly lastSaved: (Taken & { readonly bytes: number; readonly ms: number }) | null;
  /** The longest the event loop waited on one step of writing a snapshot. */
  readonly longestSaveBlockMs: number;
  /** The longest the event loop waited on one step of reading, checking and decoding a snapshot. */
  readonly longestLoadBlockMs: number;
  /** Snapshots a writer started from, and the last one. */
  readonly loaded: number;
  readonly lastLoaded: (Taken & { readonly ms: number }) | null;
  /** Snapshot files ignored (unreadable, of another version, not matching the log) and rebuilt. */
  readonly rejected: number;
  readonly failedSaves: number;
  /** The background load after a start: how many operations it takes, how many are loaded, whether it is over. */
  readonly warmUp: { readonly operations: number; readonly loaded: number; readonly done: boolean };
}

/**
 * How much an operation grows, as a fraction of the events its last snapshot held,
 * before the next one is due (besides `every`). Encoding a snapshot costs in
 * proportion to the state, so with a fixed interval the cost per event grew with the
 * operation (bench:scale: 2.8 s to write a 1M-event operation's snapshot); with the interval
 * growing with the state, each event pays for at most 11 snapshot entries however
 * large the operation, and a writer restarted after a crash folds at most about a
 * tenth of the stream past its snapshot (a clean stop snapshots every changed one).
 */
export const SNAPSHOT_GROWTH = 0.1;

/**
 * Reads the stored event's hash and id at a revision, and the next event's id if
 * the stream goes on, or null when the stream does not reach the revision.
 */
export type StoredAtRevision = (
  revision: number,
) => Promise<{ hash: string; eventId: string; nextEventId?: string } | null>;

/**
 * Snapshots of the decided state (docs/architecture.md, "Snapshots of the
 * decided state"): when to take one, how one is checked before a writer trusts
 * it, and what operators see. A snapshot is only ever a shortcut: one that is
 * unreadable, of another state version, or whose head hash the stored event at
 * its revision does not carry is ignored with a warning, and the writer folds
 * the stream from the start as it would without it.
 */
export class DecidedStateSnapshots {
  private readonly logger = new Logger('DecidedState');
  private readonly store: FileDecidedStateStore;
  private saved = 0;
  private loaded = 0;
  private rejected = 0;
  private failedSaves = 0;
  private longestSaveBlockMs = 0;
  private longestLoadBlockMs = 0;
  private lastSaved: DecidedStateReport['lastSaved'] = null;
  private lastLoaded: DecidedStateReport['lastLoaded'] = null;
  private warmUp = { operations: 0, loaded: 0, done: false };

  constructor(readonly options: DecidedStateSnapshotOptions) {
    if (!Number.isInteger(options.every) || options.every < 1)
      throw new RangeError('every must be a positive integer');
    if (options.warmUp !== undefined && (!Number.isInteger(options.warmUp) || options.warmUp < 0))
      throw new RangeError('warmUp must be a non-negative integer');
    this.store = new FileDecidedStateStore(options.directory);
  }

  /**
   * The operations whose state a start loads in the background: those with the
   * most recently written snapshots, at most `warmUp` (also recorded for the report).
   */
  async operationsToWarmUp(): Promise<string[]> {
    const limit = this.options.warmUp ?? 0;
    let operations: string[] = [];
    try {
      operations = limit === 0 ? [] : (await this.store.operationsByRecency()).slice(0, limit);
    } catch (error: unknown) {
      this.logger.warn(`snapshots not listed, none loaded ahead of writes: ${(error as Error).message}`);
    }
    this.warmUp = { operations: operations.length, loaded: 0, done: operations.length === 0 };
    return operations;
  }

  /** Counts the background load's progress (the report shows it). */
  countWarmUp(outcome: 'loaded' | 'done'): void {
    this.warmUp =
      outcome === 'loaded'
        ? { ...this.warmUp, loaded: this.warmUp.loaded + 1 }
        : { ...this.warmUp, done: true };
  }

  /**
   * True when an operation at `revision`, last snapshotted at `snapshotRevision` (-1:
   * never), is due another: `every` events and a tenth of the last one's size later.
   */
  isDue(revision: number, snapshotRevision: number): boolean {
    const held = snapshotRevision + 1;
    return revision - snapshotRevision >= Math.max(this.options.every, Math.ceil(held * SNAPSHOT_GROWTH));
  }

  /**
   * The operation's snapshot, checked against the log and decoded, or null when
   * there is none or it may not be used (then it is logged and counted).
   */
  async load<State>(
    operationId: string,
    decider: {
      readonly snapshot: StateSnapshotCodec<State>;
      revisionOf(state: State, eventId: string): number | undefined;
    },
    storedAt: StoredAtRevision,
  ): Promise<RestoredDecidedState<State> | null> {
    const codec = decider.snapshot;
    const started = performance.now();
    let stored;
    try {
      stored = await this.store.load(operationId);
    } catch (error: unknown) {
      // Whatever keeps the file from being read (a damaged file, a permission), a write must not fail for it.
      const reason =
        error instanceof UnreadableDecidedStateError
          ? error.message
          : `snapshot not readable: ${(error as Error).message}`;
      return this.reject(operationId, reason);
    }
    if (stored === null) return null;
    if (stored.stateVersion !== codec.version) {
      return this.reject(
        operationId,
        `snapshot taken under state version ${stored.stateVersion}, the rules are at ${codec.version}`,
      );
    }
    const atRevision = await storedAt(stored.revision);
    const logHash = atRevision?.hash ?? null;
    if (atRevision === null || logHash === null) {
      return this.reject(operationId, `snapshot at revision ${stored.revision}, beyond the stream's end`);
    }
    if (logHash !== stored.headHash) {
      return this.reject(
        operationId,
        `snapshot at revision ${stored.revision} has head hash ${stored.headHash}, the log ${logHash}`,
      );
    }
    let restored: RestoredDecidedState<State>;
    let longestBlockMs: number;
    try {
      ({ restored, longestBlockMs } = await decodeSnapshot(stored, codec));
    } catch (error: unknown) {
      return this.reject(operationId, `snapshot parts unreadable: ${(error as Error).message}`);
    }
    // The state must end where the header says: the log's event there at that revision, the next one not yet.
    const heldAt = decider.revisionOf(restored.state, atRevision.eventId);
    const nextHeldAt =
      atRevision.nextEventId === undefined
        ? undefined
        : decider.revisionOf(restored.state, atRevision.nextEventId);
    if (heldAt !== stored.revision || nextHeldAt !== undefined) {
      const [eventId, at] =
        heldAt !== stored.revision ? [atRevision.eventId, heldAt] : [atRevision.nextEventId, nextHeldAt];
      return this.reject(
        operationId,
        `snapshot at revision ${stored.revision} holds the log's event ${eventId} ` +
          (at === undefined ? 'nowhere' : `at revision ${at}`),
      );
    }
    this.longestLoadBlockMs = Math.max(this.longestLoadBlockMs, stored.longestBlockMs, longestBlockMs);
    const ms = Math.round(performance.now() - started);
    this.loaded += 1;
    this.lastLoaded = { operationId, revision: stored.revision, at: new Date().toISOString(), ms };
    this.logger.log(
      `operation ${operationId}: decided state read from its snapshot at revision ${stored.revision} in ${ms} ms`,
    );
    return restored;
  }

  /** Writes a snapshot; the parts are computed lazily, as the file takes them. */
  async save(header: DecidedStateHeader, parts: Iterable<JsonValue>): Promise<void> {
    const started = performance.now();
    let saved: SavedDecidedState;
    try {
      saved = await this.store.save(header, parts);
    } catch (error: unknown) {
      // Only a shortcut is lost: the next write or start folds a little more of the log.
      this.failedSaves += 1;
      this.logger.warn(
        `operation ${header.operationId}: snapshot at revision ${header.revision} not written: ${(error as Error).message}`,
      );
      return;
    }
    const ms = Math.round(performance.now() - started);
    this.saved += 1;
    this.longestSaveBlockMs = Math.max(this.longestSaveBlockMs, saved.longestBlockMs);
    this.lastSaved = {
      operationId: header.operationId,
      revision: header.revision,
      at: new Date().toISOString(),
      bytes: saved.bytes,
      ms,
    };
    this.logger.log(
      `operation ${header.operationId}: snapshot of the decided state at revision ${header.revision} written ` +
        `(${saved.bytes} bytes in ${ms} ms, longest block ${saved.longestBlockMs.toFixed(1)} ms)`,
    );
  }

  report(): DecidedStateReport {
    return {
      directory: this.options.directory,
      every: this.options.every,
      saved: this.saved,
      lastSaved: this.lastSaved,
      longestSaveBlockMs: Math.round(this.longestSaveBlockMs * 10) / 10,
      longestLoadBlockMs: Math.round(this.longestLoadBlockMs * 10) / 10,
      loaded: this.loaded,
      lastLoaded: this.lastLoaded,
      rejected: this.rejected,
      failedSaves: this.failedSaves,
      warmUp: this.warmUp,
    };
  }

  private reject(operationId: string, reason: string): null {
    this.rejected += 1;
    this.logger.warn(`operation ${operationId}: ${reason}; ignored, the state is rebuilt from the log`);
    return null;
  }
}

/**
 * The parts a writer stores: `["keys", keyedRequests]` chunks, then `["state", part]`
 * for each of the codec's parts.
 */
export function snapshotPartsOf<State>(
  codec: StateSnapshotCodec<State>,
  state: State,
  writer: { readonly keyedRequests: Iterable<JsonValue> },
): Iterable<JsonValue> {
  // Encoded now: the state's successors may move on while the parts are written.
  const parts = codec.encode(state);
  return (function* () {
    yield* chunked('keys', writer.keyedRequests);
    for (const part of parts) yield ['state', part];
  })();
}

const ROWS_PER_PART = 4096;

function* chunked(name: string, rows: Iterable<JsonValue>): Generator<JsonValue> {
  let chunk: JsonValue[] = [];
  for (const row of rows) {
    chunk.push(row);
    if (chunk.length === ROWS_PER_PART) {
      yield [name, chunk];
      chunk = [];
    }
  }
  if (chunk.length > 0) yield [name, chunk];
}

/** How long decoding goes on before it yields to the event loop. */
const DECODE_SLICE_MS = 8;

/**
 * Parses and decodes the parts one at a time, yielding to the event loop once a
 * slice of work has taken DECODE_SLICE_MS, so writes to other operations and
 * reads go on during a large load.
 */
async function decodeSnapshot<State>(
  stored: StoredDecidedState,
  codec: StateSnapshotCodec<State>,
): Promise<{ restored: RestoredDecidedState<State>; longestBlockMs: number }> {
  const keyedRequests: [string, string, number, number][] = [];
  const decoder = codec.decoder();
  let longestBlockMs = 0;
  let started = performance.now();
  for (const line of stored.partLines) {
    const part = JSON.parse(line) as JsonValue;
    if (!Array.isArray(part) || part.length !== 2) throw new Error('a part is not [kind, content]');
    const [kind, content] = part as [string, JsonValue];
    if (kind === 'keys') keyedRequests.push(...(content as [string, string, number, number][]));
    else if (kind === 'state') decoder.add(content);
    else throw new Error(`unknown part ${JSON.stringify(kind)}`);
    const elapsed = performance.now() - started;
    if (elapsed >= DECODE_SLICE_MS) {
      longestBlockMs = Math.max(longestBlockMs, elapsed);
      await new Promise<void>((resolve) => setImmediate(resolve));
      started = performance.now();
    }
  }
  const state = decoder.finish();
  longestBlockMs = Math.max(longestBlockMs, performance.now() - started);
  const { revision, headHash } = stored;
  return { restored: { state, revision, headHash, keyedRequests }, longestBlockMs };
}
