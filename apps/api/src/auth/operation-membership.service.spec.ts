import { randomUUID } from 'node:crypto';
import type { JsonObject } from '@timeline/kernel';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { OperationMembership } from './operation-membership.service';

function event(type: string, data: JsonObject, agency = 'NCA', eventId: string = randomUUID()) {
  return { eventId, type, data, metadata: { agency, recordedBy: `${agency.toLowerCase()}-1` } };
}

describe('OperationMembership', () => {
  let store: InMemoryEventStore;
  let membership: OperationMembership;

  beforeEach(() => {
    store = new InMemoryEventStore();
    membership = new OperationMembership(store);
  });

  afterEach(() => membership.onModuleDestroy());

  it('counts the lead agency, the launching agency and every agency that joined', async () => {
    await store.append('operation-venetic', [
      event('OperationLaunched', { codename: 'VENETIC', leadAgency: 'NCA' }, 'NWROCU'),
      event('AgencyJoined', { agency: 'NWP', region: 'wales' }),
      event('RaidConducted', { force: 'GMP' }),
    ]);
    await store.append('operation-other', [event('OperationLaunched', { leadAgency: 'MPS' }, 'MPS')]);

    await expect(membership.agenciesOf('venetic')).resolves.toEqual(['NCA', 'NWP', 'NWROCU']);
    await expect(membership.takesPart('venetic', 'NWP')).resolves.toBe(true);
    await expect(membership.takesPart('venetic', 'GMP')).resolves.toBe(false);
    await expect(membership.takesPart('venetic', 'MPS')).resolves.toBe(false);
    await expect(membership.operationsOf('NCA')).resolves.toEqual(['venetic']);
    await expect(membership.operationsOf('MPS')).resolves.toEqual(['other']);
    await expect(membership.exists('venetic')).resolves.toBe(true);
    await expect(membership.exists('nothing')).resolves.toBe(false);
  });

  it('sees an operation launched after its last read on the very next question', async () => {
    await expect(membership.takesPart('late', 'NCA')).resolves.toBe(false);
    await store.append('operation-late', [event('OperationLaunched', { leadAgency: 'NCA' })]);
    await expect(membership.takesPart('late', 'NCA')).resolves.toBe(true);
  });

  it('stops counting a join that was retracted, but never the launch', async () => {
    const joinId = randomUUID();
    const launchId = randomUUID();
    await store.append('operation-venetic', [
      event('OperationLaunched', { leadAgency: 'NCA' }, 'NCA', launchId),
      event('AgencyJoined', { agency: 'NWP' }, 'NCA', joinId),
    ]);
    await expect(membership.takesPart('venetic', 'NWP')).resolves.toBe(true);
    await store.append('operation-venetic', [
      event('EventRetracted', { retractsEventId: joinId, reason: 'entered-in-error' }),
      event('EventRetracted', { retractsEventId: launchId, reason: 'entered-in-error' }),
    ]);
    await membership.catchUp();
    await expect(membership.agenciesOf('venetic')).resolves.toEqual(['NCA']);
  });

  it('ignores a retraction in another operation that names the same event id', async () => {
    const joinId = randomUUID();
    await store.append('operation-a', [
      event('OperationLaunched', { leadAgency: 'NCA' }),
      event('AgencyJoined', { agency: 'NWP' }, 'NCA', joinId),
    ]);
    await store.append('operation-b', [
      event('OperationLaunched', { leadAgency: 'GMP' }, 'GMP'),
      event('EventRetracted', { retractsEventId: joinId }, 'GMP'),
    ]);
    await expect(membership.agenciesOf('a')).resolves.toEqual(['NCA', 'NWP']);
  });

  it('applies each event once when the subscription and catch-up reads overlap', async () => {
    await membership.onModuleInit();
    await store.append('operation-x', [event('OperationLaunched', { leadAgency: 'NCA' })]);
    await Promise.all([membership.catchUp(), membership.catchUp(), membership.takesPart('x', 'NWP')]);
    const joinId = randomUUID();
    await store.append('operation-x', [event('AgencyJoined', { agency: 'NWP' }, 'NCA', joinId)]);
    await membership.catchUp();
    await store.append('operation-x', [event('EventRetracted', { retractsEventId: joinId })]);
    // Were the join applied twice, one retraction would leave a grant behind.
    await membership.catchUp();
    await expect(membership.agenciesOf('x')).resolves.toEqual(['NCA']);
  });

  it('pages through a long log of membership events', async () => {
    for (let batch = 0; batch < 3; batch++) {
      await store.append(
        `operation-p${batch}`,
        Array.from({ length: 700 }, (_, index) =>
          index === 0
            ? event('OperationLaunched', { leadAgency: 'NCA' })
            : event('AgencyJoined', { agency: `A${index}` }),
        ),
      );
    }
    await expect(membership.operationsOf('NCA')).resolves.toEqual(['p0', 'p1', 'p2']);
    await expect(membership.takesPart('p2', 'A699')).resolves.toBe(true);
    expect(store.reads.filter((read) => read.kind === 'all').map((read) => read.maxCount)).toEqual([
      1000, 1000, 1000,
    ]);
  });

  it('follows corrections: a corrected join counts for the agency it names now, a corrected lead joins', async () => {
    const joinId = randomUUID();
    const launchId = randomUUID();
    await store.append('operation-venetic', [
      event('OperationLaunched', { leadAgency: 'NCA' }, 'NCA', launchId),
      event('AgencyJoined', { agency: 'NWP' }, 'NCA', joinId),
      event('EventCorrected', {
        correctsEventId: joinId,
        correctedType: 'AgencyJoined',
        replacement: { agency: 'GMP', region: 'north-west' },
        reason: 'wrong force entered',
      }),
      event('EventCorrected', {
        correctsEventId: launchId,
        correctedType: 'OperationLaunched',
        replacement: { codename: 'VENETIC', leadAgency: 'NWROCU' },
        reason: 'lead is the regional unit',
      }),
    ]);
    await expect(membership.agenciesOf('venetic')).resolves.toEqual(['GMP', 'NCA', 'NWROCU']);
    await store.append('operation-venetic', [event('EventRetracted', { retractsEventId: joinId })]);
    await expect(membership.agenciesOf('venetic')).resolves.toEqual(['NCA', 'NWROCU']);
  });
});
