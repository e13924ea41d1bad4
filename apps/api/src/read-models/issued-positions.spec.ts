import { Subject } from 'rxjs';
import { formatPosition, type EventStore, type GlobalPosition } from '@timeline/event-store';
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

describe('IssuedPositions', () => {
  const seeded = eventsAt([at(100), at(250), at(400)], 1);
  const later = eventsAt([at(520), at(700, 690)], 10);
  let runner: FakeRunner;
  let head: GlobalPosition | null;
  let positions: IssuedPositions;

  beforeEach(() => {
    runner = new FakeRunner();
    runner.apply(seeded);
    head = at(700, 690);
    const store = {
      describe: () => Promise.resolve({ kind: 'eventstoredb', location: 'test', headPosition: head }),
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
    // Written (the store's head is past it) but not applied yet: waits for the projections, then checks.
    runner.catchUp = later;
    expect(await positions.refusal(at(520))).toBeNull();
    expect(runner.waits).toEqual(['520']);
    expect(await positions.refusal(at(700, 690))).toBeNull();
    expect(await positions.refusal(at(690))).toMatch(/is not the position of an event/);
  });

  it('refuses what lies beyond the log, naming its head, without waiting', async () => {
    expect(await positions.refusal(at(701))).toBe('701 was never issued: the log ends at 700/690');
    head = null;
    expect(await positions.refusal(at(1))).toBe('1 was never issued: the log is empty');
    expect(runner.waits).toEqual([]);
  });
});
