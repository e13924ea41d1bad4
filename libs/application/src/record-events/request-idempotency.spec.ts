import { launchesOperation } from './record-events.request';
import { validateRecordEventsBody, type ValidatedEvent } from './record-events.body';
import { idempotencyScopeOf, requestHashOf } from './request-idempotency';
import { fixedId, raid } from '../testing/record-events.fixtures';

const limits = { maxBatchEvents: 100, latestOccurredAt: Date.parse('2020-07-02T12:00:00Z') };

function validated(body: unknown): readonly ValidatedEvent[] {
  const result = validateRecordEventsBody(body, limits);
  if (result.errors !== undefined) throw new Error(JSON.stringify(result.errors));
  return result.body.events;
}

describe('requestHashOf: the canonical content an Idempotency-Key binds to', () => {
  const original = validated({ events: [raid('RAID-1', { eventId: fixedId(1) })] });

  it('is the same for the same content however it is spelled, and whatever its correlation id', () => {
    const respelled = validated({
      events: [
        {
          correlationId: 'retry-2',
          data: { ...raid('RAID-1').data, startedAt: '2020-06-15T05:30:00.000Z' },
          occurredAt: '2020-06-15T05:30:00.000Z',
          schemaVersion: 1,
          eventId: fixedId(1),
          type: 'RaidConducted',
        },
      ],
    });
    expect(requestHashOf('venetic', undefined, respelled)).toBe(
      requestHashOf('venetic', undefined, original),
    );
  });

  it('differs for another event id, other data, another expected revision or another operation', () => {
    const hash = requestHashOf('venetic', undefined, original);
    const others = [
      requestHashOf('venetic', undefined, validated({ events: [raid('RAID-1', { eventId: fixedId(2) })] })),
      requestHashOf('venetic', undefined, validated({ events: [raid('RAID-1')] })),
      requestHashOf(
        'venetic',
        undefined,
        validated({
          events: [
            { ...raid('RAID-1', { eventId: fixedId(1) }), data: { ...raid('RAID-1').data, officers: 25 } },
          ],
        }),
      ),
      requestHashOf('venetic', 4, original),
      requestHashOf('venetix', undefined, original),
    ];
    expect(new Set([hash, ...others]).size).toBe(others.length + 1);
  });

  it('scopes a key to its principal', () => {
    expect(idempotencyScopeOf('NCA', 'a', 'k')).not.toBe(idempotencyScopeOf('NCA', 'b', 'k'));
    expect(idempotencyScopeOf('NCA', 'a\u0000', 'k')).not.toBe(idempotencyScopeOf('NCA', 'a', '\u0000k'));
  });
});

describe('launchesOperation', () => {
  it('is true only for a batch whose first event is OperationLaunched', () => {
    expect(launchesOperation({ events: [{ type: 'OperationLaunched' }, { type: 'AgencyJoined' }] })).toBe(
      true,
    );
    for (const other of [
      undefined,
      null,
      [],
      { events: [] },
      { events: [{ type: 'AgencyJoined' }, { type: 'OperationLaunched' }] },
      { events: [null] },
      { events: 'OperationLaunched' },
      { type: 'OperationLaunched' },
    ]) {
      expect(launchesOperation(other)).toBe(false);
    }
  });
});
