import { apiClient, type ApiClient } from './support/api-client';
import { FixedClock, startTestApp, type TestApp } from './support/test-app';

// Recording a court outcome over HTTP, and seeing it in the picture (with the
// group breakdown) and on the timeline; the rules' refusals as problem+json.

const NCA = { role: 'recorder', agency: 'NCA' } as const;
const NWP = { role: 'recorder', agency: 'NWP' } as const;
const ANALYST_NWP = { role: 'analyst', agency: 'NWP' } as const;

const id = (n: number): string => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

describe('Court outcomes over HTTP', () => {
  let test: TestApp;
  let api: ApiClient;
  const clock = new FixedClock(new Date('2020-06-10T12:00:00.000Z'));
  let lastPosition = '';

  async function post(as: typeof NCA | typeof NWP, recordedAt: string, events: object[]) {
    clock.set(recordedAt);
    const response = await api.as(as).post('/operations/venetic/events').send({ events });
    if (response.status === 201) lastPosition = (response.body as { position: string }).position;
    return response;
  }

  async function record(as: typeof NCA | typeof NWP, recordedAt: string, events: object[]): Promise<void> {
    const response = await post(as, recordedAt, events);
    expect({
      status: response.status,
      body: response.status === 201 ? null : (response.body as unknown),
    }).toEqual({
      status: 201,
      body: null,
    });
  }

  const outcome = (n: number, occurredAt: string, data: object) => ({
    type: 'ChargeOutcomeRecorded',
    eventId: id(n),
    occurredAt,
    data: { arrestId: 'ARR-1', ...data },
  });

  beforeAll(async () => {
    test = await startTestApp({ clock });
    api = apiClient(test.app);
    await record(NCA, '2020-04-02T10:00:00.000Z', [
      {
        type: 'OperationLaunched',
        eventId: id(1),
        occurredAt: '2020-03-26T09:00:00Z',
        data: {
          codename: 'VENETIC',
          leadAgency: 'NCA',
          startedAt: '2020-03-26T09:00:00Z',
          description: 'EncroChat',
        },
      },
      {
        type: 'AgencyJoined',
        eventId: id(2),
        occurredAt: '2020-04-01T09:00:00Z',
        data: { agency: 'NWP', region: 'wales' },
      },
      {
        type: 'OrganisedCrimeGroupIdentified',
        eventId: id(3),
        occurredAt: '2020-04-02T09:00:00Z',
        data: {
          ocgId: 'OCG-1',
          codename: 'KESTREL',
          leadForce: 'NWP',
          band: 'high',
          threatScore: 80,
          activities: ['drug-supply'],
        },
      },
    ]);
    await record(NWP, '2020-06-17T12:00:00.000Z', [
      {
        type: 'RaidConducted',
        eventId: id(4),
        occurredAt: '2020-06-15T05:30:00Z',
        data: {
          raidId: 'RAID-1',
          force: 'NWP',
          postcodeDistrict: 'LL11',
          legalPower: 'mda-s23-warrant',
          startedAt: '2020-06-15T05:30:00Z',
          endedAt: '2020-06-15T09:00:00Z',
          officers: 20,
          ocgId: 'OCG-1',
        },
      },
      {
        type: 'ArrestMade',
        eventId: id(5),
        occurredAt: '2020-06-15T06:00:00Z',
        data: {
          arrestId: 'ARR-1',
          subjectId: 'SUBJ-1',
          suspectedOffences: ['conspiracy-to-supply-class-a'],
          raidId: 'RAID-1',
          force: 'NWP',
        },
      },
      {
        type: 'ArrestMade',
        eventId: id(6),
        occurredAt: '2020-06-15T06:10:00Z',
        data: {
          arrestId: 'ARR-2',
          subjectId: 'SUBJ-2',
          suspectedOffences: ['money-laundering'],
          force: 'NWP',
        },
      },
      {
        type: 'ChargeBrought',
        eventId: id(7),
        occurredAt: '2020-06-16T16:00:00Z',
        data: {
          arrestId: 'ARR-1',
          offences: ['conspiracy-to-supply-class-a'],
          decidedBy: 'cps',
          remandedInCustody: true,
        },
      },
    ]);
  });

  afterAll(async () => {
    await test.close();
  });

  it('refuses an outcome of an arrest never charged (422), and one dated before its charge', async () => {
    const uncharged = await post(NWP, '2021-03-12T12:00:00.000Z', [
      {
        ...outcome(10, '2021-03-12T10:00:00Z', { outcome: 'acquitted' }),
        data: { arrestId: 'ARR-2', outcome: 'acquitted' },
      },
    ]);
    expect([uncharged.status, uncharged.headers['content-type']]).toEqual([
      422,
      'application/problem+json; charset=utf-8',
    ]);
    expect(uncharged.body).toMatchObject({ code: 'operation.charge-not-brought' });
    const early = await post(NWP, '2021-03-12T12:00:00.000Z', [
      outcome(10, '2020-06-16T15:59:00Z', { outcome: 'acquitted' }),
    ]);
    expect([early.status, (early.body as { code: string }).code]).toEqual([
      422,
      'operation.dated-before-reference',
    ]);
  });

  it('refuses a conviction without its sentence, field by field (400)', async () => {
    const response = await post(NWP, '2021-03-12T12:00:00.000Z', [
      outcome(10, '2021-03-12T10:00:00Z', { outcome: 'convicted', custodialMonths: 12 }),
    ]);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain('sentence is required when outcome is convicted');
  });

  it('records a conviction, counts it in the picture and its group, and lists it on the timeline', async () => {
    await record(NWP, '2021-03-12T12:00:00.000Z', [
      outcome(10, '2021-03-12T10:00:00Z', {
        outcome: 'convicted',
        sentence: 'custodial',
        custodialMonths: 162,
      }),
    ]);
    const picture = await api.as(ANALYST_NWP).get(`/operations/venetic/picture?minPosition=${lastPosition}`);
    expect(picture.status).toBe(200);
    const body = picture.body as {
      totals: { courtOutcomes: Record<string, number> };
      byOrganisedCrimeGroup: Record<string, { raids: { total: number }; arrests: number }>;
    };
    expect(body.totals.courtOutcomes).toEqual({
      total: 1,
      convictions: 1,
      acquittals: 0,
      discontinuances: 0,
      custodialSentences: 1,
      nonCustodialSentences: 0,
      custodialMonths: 162,
    });
    expect(Object.keys(body.byOrganisedCrimeGroup)).toEqual(['OCG-1']);
    expect(body.byOrganisedCrimeGroup['OCG-1']).toMatchObject({ raids: { total: 1 }, arrests: 1 });

    const timeline = await api.as(ANALYST_NWP).get('/operations/venetic/timeline?type=ChargeOutcomeRecorded');
    expect(timeline.status).toBe(200);
    expect((timeline.body as { entries: { eventId: string; data: object }[] }).entries).toEqual([
      expect.objectContaining({
        eventId: id(10),
        data: { arrestId: 'ARR-1', outcome: 'convicted', sentence: 'custodial', custodialMonths: 162 },
      }),
    ]);
  });

  it('refuses a second outcome of the same charge (409) and stores nothing', async () => {
    const response = await post(NWP, '2021-04-01T12:00:00.000Z', [
      outcome(11, '2021-04-01T10:00:00Z', { outcome: 'acquitted' }),
    ]);
    expect([response.status, (response.body as { code: string }).code]).toEqual([
      409,
      'operation.outcome-already-recorded',
    ]);
    const picture = await api.as(ANALYST_NWP).get(`/operations/venetic/picture?minPosition=${lastPosition}`);
    expect(
      (picture.body as { totals: { courtOutcomes: { total: number } } }).totals.courtOutcomes.total,
    ).toBe(1);
  });
});
