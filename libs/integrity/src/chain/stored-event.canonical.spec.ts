import fc from 'fast-check';
import { positionOf } from '@timeline/event-store';
import type { RecordedEvent } from '@timeline/event-store/port';
import { canonicalJson, type JsonObject } from '@timeline/kernel';
import type { EventEnvelope } from '@timeline/events';
import { toTimelineEvent } from '../events/timeline-event.mapper';
import { computeEventHash } from './hash-chain';
import { canonicalFormsOf, eventHashOf, hashedContentOf } from './stored-event.canonical';

/** Stored events with any JSON data and metadata, including members that collide with the line's own. */
const storedEvent: fc.Arbitrary<RecordedEvent> = fc
  .record({
    eventId: fc.string(),
    type: fc.string(),
    revision: fc.nat(),
    seq: fc.integer({ min: 1, max: 2 ** 40 }),
    data: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }),
    metadata: fc.dictionary(
      fc.oneof(
        fc.string(),
        fc.constantFrom('eventId', 'type', 'position', 'data', 'hash', 'prevHash', 'withheld', '__proto__'),
      ),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 12 },
    ),
  })
  .map(({ seq, ...event }) => ({
    ...event,
    streamName: 'operation-venetic',
    position: positionOf(seq),
    data: event.data as JsonObject,
    metadata: event.metadata as JsonObject,
    createdAt: '2020-04-01T09:00:00.000Z',
  })) as unknown as fc.Arbitrary<RecordedEvent>;

describe('canonicalFormsOf', () => {
  it('writes the export line toTimelineEvent gives and the content computeEventHash hashes', () => {
    fc.assert(
      fc.property(storedEvent, (event) => {
        const forms = canonicalFormsOf(event);
        expect(forms.exportLine).toBe(canonicalJson(toTimelineEvent(event)));
        const covered = {
          eventId: event.eventId,
          type: event.type,
          data: event.data,
          envelope: event.metadata as unknown as EventEnvelope,
        };
        expect(forms.hashedContent).toBe(
          canonicalJson({ ...covered, envelope: { ...event.metadata, hash: undefined } }),
        );
        expect(hashedContentOf(event)).toBe(forms.hashedContent);
        expect(eventHashOf(forms.hashedContent)).toBe(computeEventHash(covered));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the same texts for runs of events whose envelopes share their member names, in any order', () => {
    // Consecutive events of one shape reuse its sorted names; a new order or name set must not.
    const names = fc.uniqueArray(
      fc.oneof(fc.string(), fc.constantFrom('type', 'position', 'hash', 'prevHash', 'operationId')),
      { maxLength: 8 },
    );
    const run = names.chain((keys) =>
      fc.array(
        fc.tuple(
          storedEvent,
          fc.shuffledSubarray(keys, { minLength: keys.length }),
          fc.array(fc.jsonValue({ maxDepth: 1 }), { minLength: keys.length, maxLength: keys.length }),
        ),
        { minLength: 1, maxLength: 6 },
      ),
    );
    fc.assert(
      fc.property(run, (events) => {
        for (const [base, order, values] of events) {
          const metadata: Record<string, unknown> = {};
          order.forEach((key, index) =>
            Object.defineProperty(metadata, key, { value: values[index], enumerable: true, writable: true }),
          );
          const event = { ...base, metadata: metadata as JsonObject };
          const forms = canonicalFormsOf(event);
          expect(forms.exportLine).toBe(canonicalJson(toTimelineEvent(event)));
          expect(forms.hashedContent).toBe(
            canonicalJson({
              eventId: event.eventId,
              type: event.type,
              data: event.data,
              envelope: { ...metadata, hash: undefined },
            }),
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});
