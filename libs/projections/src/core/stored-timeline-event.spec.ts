import { positionOf, type RecordedEvent } from '@timeline/event-store';
import { eventToAppend } from '../testing/timeline-event.builders';
import { MalformedStoredEventError } from './projection.errors';
import { toStoredTimelineEvent } from './stored-timeline-event';

function recorded(
  type: string,
  data: RecordedEvent['data'],
  schemaVersion?: number,
  metadata: Partial<RecordedEvent['metadata']> = {},
): RecordedEvent {
  const appended = eventToAppend({
    type,
    data,
    schemaVersion,
    agency: 'NWP',
    occurredAt: '2020-06-13T05:00:00.000Z',
    recordedAt: '2020-06-13T09:00:00.000Z',
  });
  return {
    ...appended,
    metadata: { ...appended.metadata, ...metadata } as RecordedEvent['metadata'],
    streamName: 'operation-venetic',
    revision: 4,
    position: positionOf(42),
    createdAt: '2020-06-13T09:00:00.001Z',
  };
}

describe('toStoredTimelineEvent', () => {
  it('reads the envelope from the metadata and the position from the store', () => {
    const event = toStoredTimelineEvent(
      recorded('ArrestMade', { arrestId: 'A-1', subjectId: 'S-1', suspectedOffences: [], force: 'NWP' }),
    );
    expect(event).toMatchObject({
      type: 'ArrestMade',
      schemaVersion: 1,
      operationId: 'venetic',
      occurredAt: '2020-06-13T05:00:00.000Z',
      recordedAt: '2020-06-13T09:00:00.000Z',
      agency: 'NWP',
      position: '42',
      globalPosition: { commit: 42n, prepare: 42n },
      streamName: 'operation-venetic',
      data: { arrestId: 'A-1' },
    });
  });

  it('brings stored v1 intelligence to the current shape with the contract upcaster', () => {
    const event = toStoredTimelineEvent(
      recorded(
        'IntelligenceReceived',
        {
          reportRef: 'INT-1',
          fromAgency: 'NCA',
          grading: '2/B/C',
          handlingConditions: 'No onward disclosure',
          priority: 'MEDIUM',
          threatToLife: false,
          subjects: [],
          region: 'wales',
        },
        1,
      ),
    );
    expect(event.schemaVersion).toBe(2);
    expect(event.data.grading).toEqual({
      source: 2,
      intelligence: 'B',
      handling: 'C',
      conditions: 'No onward disclosure',
    });
    expect(event.data).not.toHaveProperty('handlingConditions');
  });

  it('refuses an unknown type, an unknown version and metadata that is not an envelope', () => {
    expect(() => toStoredTimelineEvent(recorded('SomethingNew', {}))).toThrow(MalformedStoredEventError);
    expect(() => toStoredTimelineEvent(recorded('ArrestMade', {}, 7))).toThrow('unknown schema version 7');
    expect(() => toStoredTimelineEvent(recorded('ArrestMade', {}, undefined, { occurredAt: 5 }))).toThrow(
      'metadata.occurredAt is not a string',
    );
    expect(() =>
      toStoredTimelineEvent(recorded('ArrestMade', {}, undefined, { classification: 'TOP-SECRET' })),
    ).toThrow('metadata.classification is not a known marking');
  });
});
