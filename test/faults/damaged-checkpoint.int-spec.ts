import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { canonicalJson } from '@timeline/kernel';
import { createEventStore, type EventStore } from '@timeline/event-store';
import {
  FileProjectionCheckpointStore,
  foldEvents,
  operationalPictureProjection,
  ProjectionRunner,
  snapshotParts,
  timelineProjection,
  toStoredTimelineEvent,
  type AnyProjectionHandle,
} from '@timeline/projections';
import { eventToAppend } from '@timeline/projections/testing/timeline-event.builders';
import { veneticScenario } from '@timeline/projections/testing/venetic.scenario';

const PROJECTIONS: AnyProjectionHandle[] = [operationalPictureProjection, timelineProjection];

/** What a failing disk or a careless hand does to a checkpoint file. */
type Damage =
  | { readonly kind: 'truncated'; readonly at: number }
  | { readonly kind: 'byte-changed'; readonly at: number; readonly xor: number }
  | { readonly kind: 'zeroed' };

function damage(bytes: Buffer, how: Damage): Buffer {
  switch (how.kind) {
    case 'truncated':
      return bytes.subarray(0, Math.floor(how.at * bytes.length));
    case 'byte-changed': {
      const changed = Buffer.from(bytes);
      const index = Math.min(bytes.length - 1, Math.floor(how.at * bytes.length));
      changed[index] ^= how.xor;
      return changed;
    }
    case 'zeroed':
      return Buffer.alloc(bytes.length);
  }
}

/**
 * A damaged projection checkpoint (truncated, a byte changed, zeroed) is detected,
 * reported, and the projection rebuilt from the log to the same state as a fold of
 * every event: never loaded as if it were sound.
 */
describe('damaged projection checkpoints', () => {
  let dir: string;
  let store: EventStore;
  let expected: Map<string, string>;
  let sound: Map<string, Buffer>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-damaged-checkpoint-'));
    store = await createEventStore({ kind: 'sqlite', file: join(dir, 'events.db') });
    const specs = veneticScenario('venetic', 0);
    await store.append(
      'operation-venetic',
      specs.map((spec, revision) => eventToAppend(spec, revision)),
    );
    const all = (await store.readAll()).map(toStoredTimelineEvent);
    expected = new Map(
      PROJECTIONS.map((projection) => [
        projection.name,
        canonicalJson(snapshotParts(projection.toSnapshot(foldEvents(projection, all)))),
      ]),
    );
    // One run that saves sound checkpoints; each property run starts from a damaged copy of them.
    const runner = new ProjectionRunner(store, PROJECTIONS, checkpointsIn(dir, []));
    await runner.start();
    await runner.whenCaughtUp();
    await runner.stop();
    sound = new Map(
      PROJECTIONS.map((projection) => [projection.name, readFileSync(fileOf(projection.name))]),
    );
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fileOf = (name: string) => join(dir, 'projections', `${name}.checkpoint.ndjson`);
  function checkpointsIn(directory: string, unreadable: string[]): FileProjectionCheckpointStore {
    return new FileProjectionCheckpointStore({
      directory: join(directory, 'projections'),
      onUnreadable: (name, reason) => unreadable.push(`${name}: ${reason}`),
    });
  }

  it('a sound checkpoint loads with nothing to re-apply', async () => {
    const unreadable: string[] = [];
    const runner = new ProjectionRunner(store, PROJECTIONS, checkpointsIn(dir, unreadable));
    await runner.start();
    await runner.whenCaughtUp();
    expect([unreadable, runner.currentStatus().eventsProcessed]).toEqual([[], 0]);
    await runner.stop();
  });

  it('a changed digit that still parses as JSON is caught by the hash in the header', async () => {
    const name = operationalPictureProjection.name;
    const text = sound.get(name)!.toString('utf8');
    const body = text.indexOf('\n') + 1;
    const digit = body + text.slice(body).search(/[0-9]/);
    const changed = text.slice(0, digit) + String((Number(text[digit]) + 1) % 10) + text.slice(digit + 1);
    writeFileSync(fileOf(name), changed);
    const unreadable: string[] = [];
    const runner = new ProjectionRunner(store, PROJECTIONS, checkpointsIn(dir, unreadable));
    await runner.start();
    await runner.whenCaughtUp();
    try {
      expect(unreadable).toEqual([
        expect.stringMatching(
          new RegExp(`^${name}: the parts hash to [0-9a-f]{64}, the header says [0-9a-f]{64}$`),
        ),
      ]);
      expect(
        canonicalJson(
          snapshotParts(operationalPictureProjection.toSnapshot(runner.state(operationalPictureProjection))),
        ),
      ).toBe(expected.get(name));
    } finally {
      await runner.stop();
      writeFileSync(fileOf(name), sound.get(name)!);
    }
  });

  it('is reported and rebuilt from the log to the state of a full fold, whatever the damage', async () => {
    const damages = fc.oneof(
      fc.record({
        kind: fc.constant('truncated' as const),
        at: fc.double({ min: 0, max: 0.999, noNaN: true }),
      }),
      fc.record({
        kind: fc.constant('byte-changed' as const),
        at: fc.double({ min: 0, max: 0.999, noNaN: true }),
        xor: fc.integer({ min: 1, max: 255 }),
      }),
      fc.record({ kind: fc.constant('zeroed' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PROJECTIONS.map((p) => p.name)), damages, async (name, how) => {
        for (const [other, bytes] of sound) writeFileSync(fileOf(other), bytes);
        writeFileSync(fileOf(name), damage(sound.get(name)!, how));
        const unreadable: string[] = [];
        const logged: string[] = [];
        const runner = new ProjectionRunner(store, PROJECTIONS, checkpointsIn(dir, unreadable), {
          logger: {
            log: () => undefined,
            warn: (message) => logged.push(message),
            error: (message) => logged.push(message),
          },
        });
        await runner.start();
        await runner.whenCaughtUp();
        try {
          // The damaged one is reported (by the store or, for a readable but foreign position, the runner)…
          expect(unreadable.length + logged.length).toBeGreaterThan(0);
          expect([...unreadable, ...logged].join('\n')).toContain(name);
          // …and every projection ends where a fold of the whole log does.
          for (const projection of PROJECTIONS) {
            expect(canonicalJson(snapshotParts(projection.toSnapshot(runner.state(projection))))).toBe(
              expected.get(projection.name),
            );
          }
        } finally {
          await runner.stop();
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
