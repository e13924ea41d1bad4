import { GENESIS_HASH } from '@timeline/events';
import { positionOf } from '@timeline/event-store';
import {
  computeEventHash,
  sealedEventOf,
  sealEvents,
  toEventToAppend,
  type UnsealedEvent,
} from './hash-chain';

const anEvent = (eventId: string, data: Record<string, string | number>): UnsealedEvent => ({
  eventId,
  type: 'AgencyJoined',
  data,
  envelope: {
    schemaVersion: 1,
    operationId: 'venetic',
    occurredAt: '2020-04-01T09:00:00.000Z',
    recordedAt: '2020-04-01T09:05:00.000Z',
    recordedBy: 'officer-1',
    agency: 'NCA',
    correlationId: 'c-1',
    causationId: null,
    classification: 'OFFICIAL',
  },
});

describe('sealEvents', () => {
  it('chains each event to the previous hash and assigns revisions', () => {
    const [first, second] = sealEvents(null, 0, [
      anEvent('e1', { agency: 'NWP' }),
      anEvent('e2', { agency: 'GMP' }),
    ]);
    expect(first.envelope.prevHash).toBe(GENESIS_HASH);
    expect(first.envelope.streamRevision).toBe(0);
    expect(second.envelope.prevHash).toBe(first.envelope.hash);
    expect(second.envelope.streamRevision).toBe(1);
    expect(first.envelope.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(computeEventHash(second)).toBe(second.envelope.hash);
  });

  it('gives the hash it has always given: the chain format never changes under stored events', () => {
    const [sealed] = sealEvents(null, 0, [anEvent('e1', { agency: 'NWP' })]);
    expect(sealed.envelope.hash).toBe('50fd9467076047dd5bb89babbd0dbd7df3448732653a48afeb51897ca991832a');
  });

  it('changes the hash when any covered field changes', () => {
    const [sealed] = sealEvents(null, 0, [anEvent('e1', { agency: 'NWP' })]);
    const base = computeEventHash(sealed);
    expect(computeEventHash({ ...sealed, data: { agency: 'NWQ' } })).not.toBe(base);
    expect(
      computeEventHash({ ...sealed, envelope: { ...sealed.envelope, recordedBy: 'officer-2' } }),
    ).not.toBe(base);
    expect(computeEventHash({ ...sealed, envelope: { ...sealed.envelope, streamRevision: 1 } })).not.toBe(
      base,
    );
    expect(computeEventHash({ ...sealed, envelope: { ...sealed.envelope, hash: 'ignored' } })).toBe(base);
  });

  it('continues a chain from a given head', () => {
    const [sealed] = sealEvents('a'.repeat(64), 7, [anEvent('e8', { agency: 'NWP' })]);
    expect(sealed.envelope.prevHash).toBe('a'.repeat(64));
    expect(sealed.envelope.streamRevision).toBe(7);
  });
});

describe('the stored form of a sealed event', () => {
  it('carries the envelope as metadata and reads back as the same sealed event, hash intact', () => {
    const [sealed] = sealEvents(null, 0, [anEvent('e1', { agency: 'NWP' })]);
    const appended = toEventToAppend(sealed);
    expect(appended).toEqual({
      eventId: 'e1',
      type: 'AgencyJoined',
      data: { agency: 'NWP' },
      metadata: sealed.envelope,
    });
    const read = sealedEventOf({
      ...appended,
      streamName: 'operation-venetic',
      revision: 0,
      position: positionOf(1),
      createdAt: '2020-04-01T09:05:00.001Z',
    });
    expect(read).toEqual(sealed);
    expect(computeEventHash(read)).toBe(sealed.envelope.hash);
  });
});
