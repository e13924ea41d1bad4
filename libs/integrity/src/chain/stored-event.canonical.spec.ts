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
});
