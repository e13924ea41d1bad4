import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import {
  EVENT_STORE,
  comparePositions,
  formatPosition,
  parsePosition,
  type EventStore,
  type GlobalPosition,
} from '@timeline/event-store';
import { OPERATION_STREAM_PREFIX } from '@timeline/events';
import { ProjectionRunner, timelineProjection, type TimelineState } from '@timeline/projections';
import { InvalidQueryError, type PositionCheck } from '../http/query-parameters';

/** How long a check waits for the projections to apply a position the log already holds. */
const DEFAULT_WAIT_MS = 2_000;

/**
 * Positions of the log's events, as numbers, in order: every position the api
 * issues (a write's, an event's, an SSE id, `examinedUpTo`, `asOf`) is one of them.
 * Exact below 2^53, which a log reaches only after petabytes.
 */
class PositionSet {
  private commits = new Float64Array(1024);
  private size = 0;
  /** Positions whose commit and prepare differ (EventStoreDB events written in an explicit transaction). */
  private readonly split = new Set<string>();

  add(position: GlobalPosition): void {
    if (position.commit !== position.prepare) {
      this.split.add(formatPosition(position));
      return;
    }
    const commit = Number(position.commit);
    if (this.size > 0 && commit <= this.commits[this.size - 1]) return;
    if (this.size === this.commits.length) {
      const grown = new Float64Array(this.commits.length * 2);
      grown.set(this.commits);
      this.commits = grown;
    }
    this.commits[this.size] = commit;
    this.size += 1;
  }

  /** Adds positions in any order (the timeline's entries are in occurred order). */
  addAll(positions: readonly GlobalPosition[]): void {
    const commits = Float64Array.from(
      positions.filter((position) => position.commit === position.prepare),
      (position) => Number(position.commit),
    ).sort();
    for (const position of positions) if (position.commit !== position.prepare) this.add(position);
    for (const commit of commits) this.add({ commit: BigInt(commit), prepare: BigInt(commit) });
  }

  has(position: GlobalPosition): boolean {
    if (position.commit !== position.prepare) return this.split.has(formatPosition(position));
    const commit = Number(position.commit);
    let low = 0;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.commits[middle] < commit) low = middle + 1;
      else high = middle;
    }
    return low < this.size && this.commits[low] === commit;
  }
}

/**
 * Checks a position a client sends back (`Last-Event-ID`, `after`, `minPosition`,
 * `knownAtPosition`) before it reaches a store: it must be 0 (the start of the log)
 * or the position of an event of the log. On EventStoreDB a position that is not a
 * record boundary can make the server read garbage; on either store, a position
 * the api never issued is a client's mistake, told as a 400.
 *
 * The api knows every event's position: the projections fold the whole log. The
 * set is built from the timeline read model the first time a position is checked
 * (its entries and their corrections and retractions are every event), then kept
 * up to date from the events the runner applies. A position past what the
 * projections have applied but within the log (a write just made) is checked once
 * they have applied it, waiting as a read with `minPosition` would.
 */
@Injectable()
export class IssuedPositions implements PositionCheck, OnModuleDestroy {
  private known: PositionSet | null = null;
  private subscription: Subscription | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ProjectionRunner) private readonly runner: ProjectionRunner,
  ) {}

  async refusal(position: GlobalPosition, waitMs = DEFAULT_WAIT_MS): Promise<string | null> {
    if (position.commit === 0n && position.prepare === 0n) return null;
    // Past what the projections have applied, the log of operations must hold an event at or after the
    // position (other streams share EventStoreDB's $all, so its head says nothing of operations). Each
    // round waits for the next such event, so a position between two events is decided once both are known.
    const deadline = Date.now() + waitMs;
    for (;;) {
      const applied = this.runner.position;
      if (applied !== null && comparePositions(position, applied) <= 0) break;
      const [next] = await this.store.readAll({
        after: applied ?? undefined,
        maxCount: 1,
        filter: { streamNamePrefixes: [OPERATION_STREAM_PREFIX] },
      });
      if (next === undefined) {
        return `${formatPosition(position)} was never issued: ${
          applied === null ? 'the log is empty' : `the log ends at ${formatPosition(applied)}`
        }`;
      }
      const target = comparePositions(position, next.position) < 0 ? position : next.position;
      await this.runner.waitForPosition(target, Math.max(0, deadline - Date.now()));
    }
    return this.positions().has(position)
      ? null
      : `${formatPosition(position)} is not the position of an event: send back a position the api returned`;
  }

  /** The position of a header or parameter that is not in the query string (`Last-Event-ID`). */
  async checked(name: string, text: string | undefined, parse: (text: string) => GlobalPosition | null) {
    if (text === undefined || text.trim() === '') return undefined;
    const position = parse(text);
    const refusal =
      position === null ? 'must be a position the api sent, e.g. "42"' : await this.refusal(position);
    if (refusal !== null)
      throw new InvalidQueryError([{ path: name, constraint: 'issuedPosition', message: refusal }]);
    return position!;
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  private positions(): PositionSet {
    if (this.known) return this.known;
    const known = new PositionSet();
    // Subscribed and seeded in one turn: the runner applies events synchronously, so none falls between.
    this.subscription = this.runner.changes$.subscribe((change) => {
      if (change.kind === 'applied') known.add(change.event.globalPosition);
    });
    known.addAll(timelinePositions(this.runner.state(timelineProjection)));
    this.known = known;
    return known;
  }
}

/** Every event's position held by the timeline: its entries, their corrections and retractions. */
function timelinePositions(state: TimelineState): GlobalPosition[] {
  const positions: GlobalPosition[] = [];
  const amendment = (text: string): void => {
    const position = parsePosition(text);
    if (position) positions.push(position);
  };
  for (const [, entry] of state.entries) {
    positions.push({ commit: BigInt(entry.commit), prepare: BigInt(entry.prepare) });
    for (const correction of entry.corrections ?? []) amendment(correction.position);
    if (entry.retraction) amendment(entry.retraction.position);
  }
  return positions;
}
