import { Subject } from 'rxjs';
import {
  comparePositions,
  formatPosition,
  type EventStore,
  type GlobalPosition,
  type ReadAllOptions,
} from '@timeline/event-store';
import {
  timelineProjection,
  type ProjectionChange,
  type ProjectionRunner,
  type StoredTimelineEvent,
  type TimelineState,
} from '@timeline/projections';
import {
  eventIdOf,
  storedEvents,
  type EventSpec,
} from '@timeline/projections/testing/timeline-event.builders';
import { IssuedPositions } from './issued-positions';

const at = (commit: number, prepare = commit): GlobalPosition => ({
  commit: BigInt(commit),
  prepare: BigInt(prepare),
});

/** Events at EventStoreDB-like positions (log bytes: far apart), folded into a timeline. */
function eventsAt(positions: readonly GlobalPosition[], firstId: number): StoredTimelineEvent[] {
  const specs = positions.map((_, index): EventSpec =>
    index === 1
      ? {
          type: 'EventRetracted',
          data: { retractsEventId: eventIdOf(firstId), reason: 'duplicate' },
          eventId: eventIdOf(firstId + index),
        }
      : {
          type: 'RaidConducted',
          data: { raidId: `RAID-${firstId + index}`, force: 'NWP' },
          eventId: eventIdOf(firstId + index),
        },
  );
  return storedEvents(specs).map((event, index) => ({
    ...event,
    position: formatPosition(positions[index]),
    globalPosition: positions[index],
  }));
}

/** The runner as IssuedPositions uses it; `catchUp` is what it applies while a check waits. */
class FakeRunner {
  readonly changes = new Subject<ProjectionChange>();
  readonly changes$ = this.changes.asObservable();
  position: GlobalPosition | null = null;
  timeline: TimelineState = timelineProjection.initialState();
  catchUp: readonly StoredTimelineEvent[] = [];
  readonly waits: string[] = [];

  state(): TimelineState {
    return this.timeline;
  }

  apply(events: readonly StoredTimelineEvent[]): void {
    for (const event of events) {
      this.timeline = timelineProjection.apply(this.timeline, event);
      this.position = event.globalPosition;
      this.changes.next({ kind: 'applied', event, projections: ['timeline'] });
    }
  }

  waitForPosition(position: GlobalPosition): Promise<void> {
    this.waits.push(formatPosition(position));
    this.apply(this.catchUp);
    return Promise.resolve();
  }
}

/** What the store's log holds: its operation events, and the records of other streams that share EventStoreDB's $all. */
interface LoggedRecord {
  readonly position: GlobalPosition;
  readonly streamName: string;
}

describe('IssuedPositions', () => {
  const seeded = eventsAt([at(100), at(250), at(400)], 1);
  const later = eventsAt([at(520), at(700, 690)], 10);
  let runner: FakeRunner;
  let log: LoggedRecord[];
  let positions: IssuedPositions;

  const operationRecords = (events: readonly StoredTimelineEvent[]): LoggedRecord[] =>
    events.map((event) => ({ position: event.globalPosition, streamName: `operation-${event.operationId}` }));

  beforeEach(() => {
    runner = new FakeRunner();
    runner.apply(seeded);
    log = [...operationRecords(seeded), ...operationRecords(later)];
    const store = {
      readAll: ({ after, maxCount, filter }: ReadAllOptions) =>
        Promise.resolve(
          log
            .filter((record) => after === undefined || comparePositions(record.position, after) > 0)
            .filter((record) =>
              (filter?.streamNamePrefixes ?? ['']).some((prefix) => record.streamName.startsWith(prefix)),
            )
            .slice(0, maxCount),
        ),
    };
    positions = new IssuedPositions(store as unknown as EventStore, runner as unknown as ProjectionRunner);
  });

  it('accepts 0 and the position of every event, entries and amendments alike; nothing between them', async () => {
    for (const position of [at(0), at(100), at(250), at(400)])
      expect(await positions.refusal(position)).toBeNull();
    for (const position of [at(1), at(99), at(101), at(399), at(250, 249)])
      expect(await positions.refusal(position)).toBe(
        `${formatPosition(position)} is not the position of an event: send back a position the api returned`,
      );
  });

  it('learns the events applied after it was first asked, and waits for those the log holds but the projections have not applied', async () => {
    expect(await positions.refusal(at(100))).toBeNull();
    // Written (the log holds it) but not applied yet: waits for the projections, then checks.
    runner.catchUp = later;
    expect(await positions.refusal(at(520))).toBeNull();
    expect(runner.waits).toEqual(['520']);
    expect(await positions.refusal(at(700, 690))).toBeNull();
    expect(await positions.refusal(at(690))).toMatch(/is not the position of an event/);
  });

  it('refuses what lies beyond the log of operations, naming where it ends, without waiting', async () => {
    log = operationRecords(seeded);
    expect(await positions.refusal(at(401))).toBe('401 was never issued: the log ends at 400');
    expect(runner.waits).toEqual([]);
    runner = new FakeRunner();
    log = [];
    positions = new IssuedPositions(
      { readAll: () => Promise.resolve([]) } as unknown as EventStore,
      runner as unknown as ProjectionRunner,
    );
    expect(await positions.refusal(at(1))).toBe('1 was never issued: the log is empty');
    expect(runner.waits).toEqual([]);
  });

  it("judges a position past the last operation event by the operations' log, not by other streams after it", async () => {
    // EventStoreDB's $all also holds the access audit: records after the last operation event.
    log = [...operationRecords(seeded), { position: at(900), streamName: 'access-audit' }];
    expect(await positions.refusal(at(900))).toBe('900 was never issued: the log ends at 400');
    expect(await positions.refusal(at(650))).toBe('650 was never issued: the log ends at 400');
    expect(runner.waits).toEqual([]);
  });

  it('decides a position between two events not yet applied once both are known', async () => {
    runner.catchUp = later;
    expect(await positions.refusal(at(600))).toMatch(/600 is not the position of an event/);
    expect(runner.waits).toEqual(['520']);
  });
});
