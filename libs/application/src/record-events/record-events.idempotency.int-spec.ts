import { createEventStore, type EventStore, type RecordedEvent } from '@timeline/event-store';
import { operationStreamName, type EventEnvelope } from '@timeline/events';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../clock/clock';
import {
  agencyJoins,
  body,
  fixedId,
  launch,
  raid,
  type EventRequest,
} from '../testing/record-events.fixtures';
import { operationDecider } from '@timeline/domain';
import type { RecordEventsRequest, RecordEventsResult } from './record-events.request';
import { IdempotencyConflictError } from './record-events.errors';
import { RecordEventsHandler } from './record-events.handler';
import { DEFAULT_RECORDING_OPTIONS } from './recording.options';

// Each run opens and reopens file-backed stores; the suite shares two cores.
jest.setTimeout(180_000);

/** A clock that moves one millisecond per reading, as a real one moves between decisions. */
let tick = 0;
const clock: Clock = { now: () => new Date(Date.parse('2020-07-02T12:00:00.000Z') + (tick += 1)) };
const NCA = { subject: 'analyst-01', agency: 'NCA' };

/** How a logical submission makes itself idempotent. */
type Mode = 'key' | 'ids' | 'key-and-ids';

interface Submission {
  readonly mode: Mode;
  /** 1 or 2 events per request. */
  readonly size: number;
}

/**
 * The request of a submission's variant. Variant 1 is "the same key (or the
 * same ids) with other content": other officer counts and, when the client
 * gives ids and a key, other ids too (the key must still bind).
 */
function requestOf(run: number, index: number, submission: Submission, variant: 0 | 1): unknown {
  const events: EventRequest[] = Array.from({ length: submission.size }, (_, n) => {
    const eventId =
      submission.mode === 'key'
        ? undefined
        : fixedId(run * 100_000 + index * 100 + (submission.mode === 'key-and-ids' ? variant * 10 : 0) + n);
    const base = raid(`RAID-${run}-${index}-${n}`, eventId === undefined ? {} : { eventId });
    return { ...base, data: { ...base.data, officers: 10 + variant } };
  });
  return body(events);
}

function keyOf(index: number, submission: Submission): string | undefined {
  return submission.mode === 'ids' ? undefined : `retry-key-${index}`;
}

describe('Idempotency under random retries, two instances and restarts (SQLite, property)', () => {
  let dir: string;
  let run = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-idempotency-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores every logical submission exactly once and answers every retry with its original result', async () => {
    const submissions = fc.array(
      fc.record({
        mode: fc.constantFrom<Mode>('key', 'ids', 'key-and-ids'),
        size: fc.integer({ min: 1, max: 2 }),
      }),
      { minLength: 1, maxLength: 4 },
    );
    const scenario = submissions.chain((subs) =>
      fc.record({
        submissions: fc.constant(subs),
        actions: fc.array(
          fc.oneof(
            {
              weight: 4,
              arbitrary: fc.record({
                kind: fc.constant('send' as const),
                submission: fc.integer({ min: 0, max: subs.length - 1 }),
                variant: fc.constantFrom<0 | 1>(0, 0, 0, 1),
                instance: fc.constantFrom<0 | 1>(0, 1),
              }),
            },
            {
              weight: 3,
              arbitrary: fc.record({
                kind: fc.constant('race' as const),
                submission: fc.integer({ min: 0, max: subs.length - 1 }),
                variants: fc.tuple(fc.constantFrom<0 | 1>(0, 0, 1), fc.constantFrom<0 | 1>(0, 0, 1)),
              }),
            },
            { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
          ),
          { minLength: 1, maxLength: 10 },
        ),
      }),
    );

    await fc.assert(
      fc.asyncProperty(scenario, async ({ submissions: subs, actions }) => {
        run += 1;
        const file = join(dir, `events-${run}.db`);
        const operationId = `op-${run}`;
        // Two api instances: each its own store connection and its own cached state.
        let stores: EventStore[] = [];
        let handlers: RecordEventsHandler[] = [];
        const open = async (): Promise<void> => {
          stores = [
            await createEventStore({ kind: 'sqlite', file }),
            await createEventStore({ kind: 'sqlite', file }),
          ];
          handlers = stores.map(
            (store) => new RecordEventsHandler(store, operationDecider, clock, DEFAULT_RECORDING_OPTIONS),
          );
        };
        const close = async (): Promise<void> => {
          await Promise.all(stores.map((store) => store.close()));
        };
        await open();
        try {
          const command = (index: number, variant: 0 | 1): RecordEventsRequest => {
            const submission = subs[index];
            const idempotencyKey = keyOf(index, submission);
            return {
              operationId,
              body: requestOf(run, index, submission, variant),
              recorder: NCA,
              correlationId: `corr-${index}-${variant}`,
              ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
            };
          };
          await handlers[0].execute({
            operationId,
            body: body([launch(), agencyJoins('NWP')]),
            recorder: NCA,
            correlationId: 'setup',
          });

          /** What each submission stored first: its variant and the original result. */
          const original = new Map<number, { variant: 0 | 1; result: RecordEventsResult }>();
          const judge = (
            index: number,
            variant: 0 | 1,
            outcome: PromiseSettledResult<RecordEventsResult>,
          ) => {
            const first = original.get(index);
            if (outcome.status === 'rejected') {
              // The only refusal: the other variant of a submission already stored.
              expect(outcome.reason).toBeInstanceOf(IdempotencyConflictError);
              expect(first).toBeDefined();
              expect(first!.variant).not.toBe(variant);
              return;
            }
            const result = outcome.value;
            if (first === undefined) {
              expect(result.replayed).toBe(false);
              original.set(index, { variant, result });
            } else {
              expect(first.variant).toBe(variant);
              expect(result).toEqual({ ...first.result, replayed: true });
            }
          };

          for (const action of actions) {
            if (action.kind === 'restart') {
              await close();
              await open();
            } else if (action.kind === 'send') {
              const outcome = await handlers[action.instance]
                .execute(command(action.submission, action.variant))
                .then(
                  (value): PromiseSettledResult<RecordEventsResult> => ({ status: 'fulfilled', value }),
                  (reason: unknown): PromiseSettledResult<RecordEventsResult> => ({
                    status: 'rejected',
                    reason,
                  }),
                );
              judge(action.submission, action.variant, outcome);
            } else {
              const outcomes = await Promise.allSettled(
                action.variants.map((variant, instance) =>
                  handlers[instance].execute(command(action.submission, variant)),
                ),
              );
              // Whichever was written first is the original; judge it before the other.
              const order =
                outcomes[1].status === 'fulfilled' && !outcomes[1].value.replayed ? [1, 0] : [0, 1];
              for (const at of order) judge(action.submission, action.variants[at], outcomes[at]);
            }
          }

          const stored: RecordedEvent[] = await stores[0].readStream(operationStreamName(operationId));
          const expected = [...original.entries()].sort(
            ([, a], [, b]) => a.result.streamRevision - b.result.streamRevision,
          );
          expect(stored.length).toBe(2 + expected.reduce((sum, [index]) => sum + subs[index].size, 0));
          for (const [index, { variant, result }] of expected) {
            const events = result.events.map((summary) => stored[summary.streamRevision]);
            expect(events.map((event) => event.eventId)).toEqual(result.events.map((e) => e.eventId));
            expect(events.map((event) => (event.data as { officers: number }).officers)).toEqual(
              events.map(() => 10 + variant),
            );
            const key = keyOf(index, subs[index]);
            for (const event of events) {
              expect((event.metadata as unknown as EventEnvelope).idempotencyKey).toBe(key);
            }
          }
          // Each raid id appears once: no submission was stored twice.
          const raidIds = stored.slice(2).map((event) => (event.data as { raidId: string }).raidId);
          expect(new Set(raidIds).size).toBe(raidIds.length);
        } finally {
          await close();
        }
      }),
      { numRuns: 12 },
    );
  });
});
