import { StreamNotFoundError } from '@timeline/event-store';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { anUnsealedEvent, appendSealed, fixedEventId } from '../testing/sealed-history.fixture';
import { EventNotInOperationError, readLineage } from './lineage';

const seizureId = fixedEventId(5, 1);
const arrestId = fixedEventId(5, 2);

describe('readLineage', () => {
  let store: InMemoryEventStore;
  beforeEach(async () => {
    store = new InMemoryEventStore();
    await appendSealed(store, 'venetic', [
      anUnsealedEvent('venetic', 0, {
        eventId: fixedEventId(5, 0),
        type: 'OperationLaunched',
        data: { codename: 'VENETIC' },
      }),
      anUnsealedEvent('venetic', 1, {
        eventId: seizureId,
        type: 'SeizureRecorded',
        data: { seizureId: 'SZ-1', cashPence: 5_400_000 },
      }),
      anUnsealedEvent('venetic', 2, { eventId: arrestId, type: 'ArrestMade', data: { arrestId: 'ARR-1' } }),
      anUnsealedEvent('venetic', 3, {
        eventId: fixedEventId(5, 3),
        type: 'EventCorrected',
        agency: 'NWP',
        recordedBy: 'sgt-jones',
        data: {
          correctsEventId: seizureId,
          correctedType: 'SeizureRecorded',
          replacement: { seizureId: 'SZ-1', cashPence: 5_450_000 },
          reason: 'recount',
        },
      }),
      anUnsealedEvent('venetic', 4, {
        eventId: fixedEventId(5, 4),
        type: 'EventRetracted',
        data: { retractsEventId: arrestId, reason: 'duplicate' },
      }),
      anUnsealedEvent('venetic', 5, {
        eventId: fixedEventId(5, 5),
        type: 'EventCorrected',
        agency: 'NCA',
        recordedBy: 'analyst-2',
        data: {
          correctsEventId: seizureId,
          correctedType: 'SeizureRecorded',
          replacement: { seizureId: 'SZ-1', cashPence: 5_449_950 },
          reason: 'bank count',
        },
      }),
    ]);
  });

  it('lists the corrections of an event in order, with who and when, and the data as corrected', async () => {
    const lineage = await readLineage(store, 'venetic', seizureId, { pageSize: 2 });
    expect(lineage.status).toBe('corrected');
    expect(lineage.event.data).toEqual({ seizureId: 'SZ-1', cashPence: 5_400_000 });
    expect(lineage.currentData).toEqual({ seizureId: 'SZ-1', cashPence: 5_449_950 });
    expect(lineage.changes).toEqual([
      {
        kind: 'correction',
        eventId: fixedEventId(5, 3),
        streamRevision: 3,
        position: '4',
        occurredAt: '2020-06-13T07:03:00.000Z',
        recordedAt: '2020-06-13T08:03:00.000Z',
        recordedBy: 'sgt-jones',
        agency: 'NWP',
        reason: 'recount',
        replacement: { seizureId: 'SZ-1', cashPence: 5_450_000 },
      },
      {
        kind: 'correction',
        eventId: fixedEventId(5, 5),
        streamRevision: 5,
        position: '6',
        occurredAt: '2020-06-13T07:05:00.000Z',
        recordedAt: '2020-06-13T08:05:00.000Z',
        recordedBy: 'analyst-2',
        agency: 'NCA',
        reason: 'bank count',
        replacement: { seizureId: 'SZ-1', cashPence: 5_449_950 },
      },
    ]);
  });

  it('shows a retraction and marks the event retracted', async () => {
    const lineage = await readLineage(store, 'venetic', arrestId);
    expect([
      lineage.status,
      lineage.currentData,
      lineage.changes.map((change) => [change.kind, change.eventId, change.reason]),
    ]).toEqual(['retracted', { arrestId: 'ARR-1' }, [['retraction', fixedEventId(5, 4), 'duplicate']]]);
    expect(lineage.changes[0]).toMatchObject({ note: null, recordedBy: 'officer-nwp-1', agency: 'NWP' });
  });

  it('gives an untouched event as recorded', async () => {
    const lineage = await readLineage(store, 'venetic', fixedEventId(5, 0));
    expect([lineage.status, lineage.changes]).toEqual(['as-recorded', []]);
  });

  it('refuses an event the operation does not hold, and an unknown operation', async () => {
    await expect(readLineage(store, 'venetic', fixedEventId(5, 9))).rejects.toBeInstanceOf(
      EventNotInOperationError,
    );
    await expect(readLineage(store, 'nowhere', seizureId)).rejects.toBeInstanceOf(StreamNotFoundError);
  });
});
