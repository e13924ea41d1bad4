import fc from 'fast-check';
import { formatPosition, parsePosition, positionOf } from '@timeline/event-store';
import { apiClient, type ApiClient } from './support/api-client';
import { FixedClock, startTestApp, type TestApp } from './support/test-app';

const NCA = { role: 'recorder', agency: 'NCA' } as const;
const NWP = { role: 'recorder', agency: 'NWP' } as const;
const ANALYST_NCA = { role: 'analyst', agency: 'NCA' } as const;
const ANALYST_NWP = { role: 'analyst', agency: 'NWP' } as const;
const ANALYST_GMP = { role: 'analyst', agency: 'GMP' } as const;

const id = (n: number): string => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

describe('The operational picture and timeline over HTTP', () => {
  let test: TestApp;
  let api: ApiClient;
  const clock = new FixedClock(new Date('2020-06-10T12:00:00.000Z'));
  let lastPosition = '';

  async function record(as: typeof NCA | typeof NWP, recordedAt: string, events: object[]): Promise<string> {
    clock.set(recordedAt);
    const response = await api.as(as).post('/operations/venetic/events').send({ events });
    expect({
      status: response.status,
      body: response.status === 201 ? null : (response.body as unknown),
    }).toEqual({
      status: 201,
      body: null,
    });
    lastPosition = (response.body as { position: string }).position;
    return lastPosition;
  }

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
        data: { agency: 'NWP', localOperationName: 'Operation Cnocell', region: 'wales' },
      },
      {
        type: 'IntelligenceReceived',
        eventId: id(3),
        occurredAt: '2020-04-02T09:00:00Z',
        data: {
          reportRef: 'VEN-INT-1',
          fromAgency: 'NCA',
          grading: {
            source: 1,
            intelligence: 'B',
            handling: 'C',
            conditions: 'For NCA only; no onward sharing.',
          },
          priority: 'MEDIUM',
          threatToLife: false,
          subjects: ['SUBJ-1'],
          region: 'wales',
        },
      },
    ]);
    await record(NWP, '2020-06-15T12:00:00.000Z', [
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
          intelligenceRefs: ['VEN-INT-1'],
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
          postcodeDistrict: 'LL11',
        },
      },
      {
        type: 'SeizureRecorded',
        eventId: id(6),
        occurredAt: '2020-06-15T07:00:00Z',
        data: {
          seizureId: 'SZ-1',
          raidId: 'RAID-1',
          seizedBy: 'NWP',
          postcodeDistrict: 'LL11',
          drugs: [{ drugType: 'cocaine', quantity: 2.5, unit: 'kg', purity: { testStatus: 'untested' } }],
          cash: [{ amountPence: 5400000, power: 'poca-s294' }],
        },
      },
    ]);
    // Recorded late (20 June), about a seizure of 14 June: back-dated.
    await record(NWP, '2020-06-20T12:00:00.000Z', [
      {
        type: 'SeizureRecorded',
        eventId: id(7),
        occurredAt: '2020-06-14T22:00:00Z',
        data: {
          seizureId: 'SZ-2',
          seizedBy: 'NWP',
          postcodeDistrict: 'LL12',
          cash: [{ amountPence: 100000, power: 'poca-s294' }],
        },
      },
      {
        type: 'EventCorrected',
        eventId: id(8),
        occurredAt: '2020-06-20T11:00:00Z',
        data: {
          correctsEventId: id(6),
          correctedType: 'SeizureRecorded',
          replacement: {
            seizureId: 'SZ-1',
            raidId: 'RAID-1',
            seizedBy: 'NWP',
            postcodeDistrict: 'LL11',
            drugs: [{ drugType: 'cocaine', quantity: 3, unit: 'kg', purity: { testStatus: 'untested' } }],
            cash: [{ amountPence: 5400000, power: 'poca-s294' }],
          },
          reason: 'Re-weighed at the laboratory',
        },
      },
    ]);
  });

  afterAll(async () => {
    await test.close();
  });

  it('answers the picture with exact totals, corrections applied, after waiting for the last write', async () => {
    const response = await api.as(ANALYST_NWP).get(`/operations/venetic/picture?minPosition=${lastPosition}`);
    expect(response.status).toBe(200);
    const picture = response.body as {
      asOf: { position: string; eventCount: number; lastRecordedAt: string };
      totals: {
        arrests: number;
        raids: { total: number };
        seizures: number;
        cash: { pence: number; pounds: string };
      };
    } & Record<string, never>;
    expect(picture.asOf).toEqual({
      position: lastPosition,
      eventCount: 8,
      lastRecordedAt: '2020-06-20T12:00:00.000Z',
    });
    expect(picture.totals.arrests).toBe(1);
    expect(picture.totals.raids.total).toBe(1);
    expect(picture.totals.seizures).toBe(2);
    expect(picture.totals.cash).toEqual({ pence: 5500000, pounds: '55000.00' });
    expect(
      (response.body as { totals: { drugs: { byType: Record<string, unknown> } } }).totals.drugs.byType[
        'cocaine'
      ],
    ).toEqual({
      class: 'A',
      kg: 3,
      doses: 0,
      plants: 0,
    });
  });

  it('shows the picture as recorded, without the correction', async () => {
    const response = await api.as(ANALYST_NWP).get('/operations/venetic/picture?view=as-recorded');
    expect(response.status).toBe(200);
    const cocaine = (response.body as { totals: { drugs: { byType: Record<string, { kg: number }> } } })
      .totals.drugs.byType['cocaine'];
    expect(cocaine.kg).toBe(2.5);
  });

  it('answers what was known on 16 June: the late seizure and the correction are not in it', async () => {
    const response = await api
      .as(ANALYST_NWP)
      .get('/operations/venetic/picture?knownAt=2020-06-16T00:00:00Z');
    expect(response.status).toBe(200);
    const body = response.body as {
      totals: {
        seizures: number;
        cash: { pence: number };
        drugs: { byType: Record<string, { kg: number }> };
      };
    };
    expect(body.totals.seizures).toBe(1);
    expect(body.totals.cash.pence).toBe(5400000);
    expect(body.totals.drugs.byType['cocaine'].kg).toBe(2.5);
  });

  it('answers what had happened by 14 June 23:00, using everything known now: only the back-dated seizure', async () => {
    const response = await api
      .as(ANALYST_NWP)
      .get('/operations/venetic/picture?happenedBy=2020-06-14T23:00:00Z');
    expect(response.status).toBe(200);
    const body = response.body as {
      totals: { seizures: number; cash: { pence: number }; raids: { total: number } };
    };
    expect(body.totals).toMatchObject({ seizures: 1, cash: { pence: 100000 }, raids: { total: 0 } });
  });

  it('orders the timeline by occurred time, shows the correction history, and withholds C-coded details', async () => {
    const response = await api.as(ANALYST_NWP).get('/operations/venetic/timeline?limit=50');
    expect(response.status).toBe(200);
    const page = response.body as {
      entries: {
        eventId: string;
        type: string;
        status: string;
        data: Record<string, unknown>;
        history: { kind: string }[];
      }[];
      nextCursor: string | null;
    };
    expect(page.entries.map((entry) => entry.eventId)).toEqual([
      id(1),
      id(2),
      id(3),
      id(7),
      id(4),
      id(5),
      id(6),
    ]);
    const seizure = page.entries.find((entry) => entry.eventId === id(6))!;
    expect(seizure.status).toBe('corrected');
    expect(seizure.history.map((version) => version.kind)).toEqual(['recorded', 'corrected']);
    // The data is read from the log: the current value is the correction's replacement, each version its own.
    const quantities = (data: Record<string, unknown>) =>
      (data.drugs as { quantity: number }[]).map((line) => line.quantity);
    expect(quantities(seizure.data)).toEqual([3]);
    expect(
      (seizure.history as unknown as { data: Record<string, unknown> }[]).map((version) =>
        quantities(version.data),
      ),
    ).toEqual([[2.5], [3]]);
    const report = page.entries.find((entry) => entry.eventId === id(3))!;
    expect(report.data).toMatchObject({ withheld: true, handling: 'C' });
    expect(JSON.stringify(report)).not.toContain('SUBJ-1');
    expect(page.nextCursor).toBeNull();

    const ncaView = await api.as(ANALYST_NCA).get('/operations/venetic/timeline?type=IntelligenceReceived');
    const ncaEntries = (ncaView.body as { entries: { data: { reportRef?: string } }[] }).entries;
    expect(ncaEntries.map((entry) => entry.data.reportRef)).toEqual(['VEN-INT-1']);
  });

  it('paginates the timeline with a stable cursor', async () => {
    const first = await api.as(ANALYST_NWP).get('/operations/venetic/timeline?limit=3');
    const body = first.body as { entries: { eventId: string }[]; nextCursor: string };
    expect(body.entries.map((entry) => entry.eventId)).toEqual([id(1), id(2), id(3)]);
    const second = await api
      .as(ANALYST_NWP)
      .get(`/operations/venetic/timeline?limit=3&cursor=${encodeURIComponent(body.nextCursor)}`);
    expect((second.body as { entries: { eventId: string }[] }).entries.map((entry) => entry.eventId)).toEqual(
      [id(7), id(4), id(5)],
    );
  });

  it('refuses bad query parameters with field-level problems and hides operations of other agencies', async () => {
    const bad = await api.as(ANALYST_NWP).get('/operations/venetic/picture?knownAt=yesterday&colour=red');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((bad.body as { errors: { path: string }[] }).errors.map((error) => error.path).sort()).toEqual([
      'colour',
      'knownAt',
    ]);

    const hidden = await api.as(ANALYST_GMP).get('/operations/venetic/picture');
    expect(hidden.status).toBe(404);
    const national = await api.as(ANALYST_GMP).get('/picture');
    expect((national.body as { operations: unknown[]; totals: { arrests: number } }).operations).toEqual([]);
    expect((national.body as { totals: { arrests: number } }).totals.arrests).toBe(0);
  });

  it('refuses a read-your-writes position beyond the log with 400 naming the head, not a wait', async () => {
    // Far beyond the last write on either store (SQLite counts events, EventStoreDB log bytes): never issued.
    const unreached = formatPosition(positionOf(parsePosition(lastPosition)!.commit + 1_000_000_000n));
    const response = await api
      .as(ANALYST_NWP)
      .get(`/operations/venetic/picture?minPosition=${unreached}&waitMs=50`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      code: 'request.invalid-query',
      errors: [
        {
          path: 'minPosition',
          constraint: 'issuedPosition',
          message: `${unreached} was never issued: the log ends at ${lastPosition}`,
        },
      ],
    });
  });

  describe('every read route validates its query the same way', () => {
    const AUDITOR_NWP = { role: 'auditor', agency: 'NWP' } as const;
    const FACT_TYPES =
      'OperationLaunched, AgencyJoined, EncryptionCracked, IntelligenceReceived, IntelligenceDisseminated, ' +
      'OrganisedCrimeGroupIdentified, RaidConducted, ArrestMade, ChargeBrought, ChargeOutcomeRecorded, SeizureRecorded, ' +
      'ThreatToLifeMitigated, OperationalPhaseEnded, OperationClosed';
    const ALL_TYPES = FACT_TYPES.replace(
      'ThreatToLifeMitigated, ',
      'ThreatToLifeMitigated, EventCorrected, EventRetracted, ',
    );
    const FRESHNESS = 'minPosition, waitMs';
    const HISTORICAL = `${FRESHNESS}, knownAt, knownAtPosition, happenedBy, view`;
    /** Each read route of the read side, history and live streams, with a caller allowed to read it and the parameters it takes. */
    const routes: [string, typeof ANALYST_NWP | typeof AUDITOR_NWP, string][] = [
      ['/operations', ANALYST_NWP, FRESHNESS],
      ['/picture', ANALYST_NWP, FRESHNESS],
      ['/operations/venetic/picture', ANALYST_NWP, HISTORICAL],
      ['/operations/venetic/timeline', ANALYST_NWP, `${HISTORICAL}, type, agency, from, to, cursor, limit`],
      ['/operations/venetic/timeline/daily', ANALYST_NWP, `${HISTORICAL}, type`],
      ['/operations/venetic/timeline/live', ANALYST_NWP, 'type'],
      ['/operations/venetic/picture/live', ANALYST_NWP, ''],
      ['/events/live', ANALYST_NWP, 'type'],
      ['/operations/venetic/events', AUDITOR_NWP, 'direction, fromRevision, limit'],
      ['/events', AUDITOR_NWP, 'after, limit, type, agency, operationId, recordedFrom, recordedTo'],
      [`/operations/venetic/events/${id(4)}/lineage`, AUDITOR_NWP, ''],
      ['/operations/venetic/verify', AUDITOR_NWP, ''],
      ['/verify', AUDITOR_NWP, ''],
      ['/operations/venetic/export', AUDITOR_NWP, ''],
      ['/audit/access', AUDITOR_NWP, 'subject, agency, action, operationId, from, to, after, limit'],
    ];

    async function problem(path: string, as: typeof ANALYST_NWP | typeof AUDITOR_NWP) {
      const response = await api.as(as).get(path);
      expect([response.status, response.headers['content-type']]).toEqual([
        400,
        'application/problem+json; charset=utf-8',
      ]);
      expect(response.body).toMatchObject({ status: 400, code: 'request.invalid-query' });
      return (response.body as { errors: { path: string; constraint: string; message: string }[] }).errors;
    }

    it.each(routes)('%s refuses an unknown parameter, listing those it takes', async (path, as, known) => {
      expect(await problem(`${path}?colour=red`, as)).toEqual([
        {
          path: 'colour',
          constraint: 'whitelist',
          message:
            known === ''
              ? 'is not a parameter of this route, which takes none'
              : `is not a parameter of this route; known: ${known}`,
        },
      ]);
    });

    it.each([
      [
        '/operations/venetic/timeline?type=Raid',
        'type',
        `"Raid" is not a type of timeline entry; known: ${FACT_TYPES}`,
      ],
      [
        '/operations/venetic/timeline?type=RaidConducted,EventCorrected',
        'type',
        `"EventCorrected" is not a type of timeline entry; known: ${FACT_TYPES}`,
      ],
      [
        '/operations/venetic/timeline/daily?type=Nope',
        'type',
        `"Nope" is not a type of timeline entry; known: ${FACT_TYPES}`,
      ],
      [
        '/operations/venetic/timeline/live?type=Foo',
        'type',
        `"Foo" is not a type of timeline entry; known: ${FACT_TYPES}`,
      ],
      ['/events/live?type=Foo&type=Bar', 'type', `"Foo", "Bar" are not an event type; known: ${ALL_TYPES}`],
      [
        '/operations/venetic/picture?view=corrected',
        'view',
        '"corrected" is not one of: as-corrected, as-recorded',
      ],
    ])('%s: 400 listing the known values', async (path, parameter, message) => {
      expect(await problem(path, ANALYST_NWP)).toEqual([{ path: parameter, constraint: 'isIn', message }]);
    });

    it('refuses an unknown agency on the timeline and on the log, listing the known codes', async () => {
      const [timeline] = await problem('/operations/venetic/timeline?agency=XYZ', ANALYST_NWP);
      const [log] = await problem('/events?agency=XYZ', AUDITOR_NWP);
      for (const error of [timeline, log]) {
        expect(error).toMatchObject({ path: 'agency', constraint: 'isIn' });
        expect(error.message).toMatch(/^"XYZ" is not an agency code; known: NCA, .*\bNWP\b.*\bFR-GN\b/);
      }
    });

    it.each([
      ['/operations/venetic/timeline?from=yesterday', ANALYST_NWP, 'from'],
      ['/operations/venetic/timeline?to=2020-02-30', ANALYST_NWP, 'to'],
      ['/operations/venetic/picture?knownAt=2020-13-01T00:00:00Z', ANALYST_NWP, 'knownAt'],
      ['/operations/venetic/timeline/daily?happenedBy=06/13/2020', ANALYST_NWP, 'happenedBy'],
      ['/events?recordedFrom=2020-06-13', AUDITOR_NWP, 'recordedFrom'],
      ['/events?recordedTo=2020-06-13T25:00:00Z', AUDITOR_NWP, 'recordedTo'],
    ] as const)('%s: 400 for the date', async (path, as, parameter) => {
      const errors = await problem(path, as);
      expect(errors.map((error) => [error.path, error.constraint])).toEqual([[parameter, 'isIso8601']]);
    });

    it('answers hundreds of hostile queries with 200 or a 400 naming each unknown parameter, never a 5xx', async () => {
      const names = [
        'type',
        'agency',
        'from',
        'to',
        'limit',
        'view',
        'after',
        'knownAt',
        'waitMs',
        'Type',
        'cursor',
        'x',
        '__proto__',
        'constructor',
        'type[]',
        '',
      ];
      const values = [
        '',
        'RaidConducted',
        'Raid',
        'NWP',
        'XYZ',
        '2020-06-13',
        '2020-02-30',
        '-1',
        '0',
        '1e3',
        '99999999999999999999',
        '%00',
        '{"$gt":0}',
        '[1]',
        'a,b,,c',
        'x'.repeat(300),
      ];
      await fc.assert(
        fc.asyncProperty(
          // Live streams never end when accepted: their refusals are checked above.
          fc.constantFrom(...routes.filter(([path]) => !path.endsWith('/live'))),
          fc.array(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...values)), { maxLength: 4 }),
          async ([path, as, known], pairs) => {
            const query = pairs
              .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
              .join('&');
            const response = await api.as(as).get(`${path}?${query}`);
            expect([`${path}?${query}`, [200, 400].includes(response.status)]).toEqual([
              `${path}?${query}`,
              true,
            ]);
            const given = new Set(pairs.map(([name]) => name));
            const unknown = [...given].filter(
              (name) => !(known === '' ? [] : known.split(', ')).includes(name),
            );
            if (unknown.length > 0) {
              expect(response.status).toBe(400);
              const refused = (response.body as { errors: { path: string; constraint: string }[] }).errors
                .filter((error) => error.constraint === 'whitelist')
                .map((error) => error.path);
              expect(new Set(refused)).toEqual(new Set(unknown));
            }
          },
        ),
        { numRuns: 300, seed: 16 },
      );
    });

    it('answers known filters as before: an entry type with no entry is an empty page, not an error', async () => {
      const response = await api
        .as(ANALYST_NWP)
        .get('/operations/venetic/timeline?type=OperationClosed&agency=NWP');
      expect([response.status, (response.body as { entries: unknown[] }).entries]).toEqual([200, []]);
    });
  });

  describe('positions a client sends back are ones the api issued', () => {
    const AUDITOR_NWP = { role: 'auditor', agency: 'NWP' } as const;
    let issued: string[];
    let head: bigint;

    beforeAll(async () => {
      const log = await api.as(AUDITOR_NWP).get('/events?limit=1000');
      issued = (log.body as { events: { position: string }[] }).events.map((event) => event.position);
      expect(issued).toHaveLength(8);
      expect(issued[issued.length - 1]).toBe(lastPosition);
      head = parsePosition(lastPosition)!.commit;
    });

    /** 0, every number up to past the head (SQLite: positions 1, 2, 3…), or on EventStoreDB (log bytes) each issued position, its neighbours and some between. */
    function candidates(): bigint[] {
      if (head <= 64n) return Array.from({ length: Number(head) + 3 }, (_, n) => BigInt(n));
      const near = issued.flatMap((text) => {
        const commit = parsePosition(text)!.commit;
        return [commit - 1n, commit, commit + 1n];
      });
      const between = Array.from({ length: 10 }, (_, n) => (head * BigInt(n + 1)) / 11n);
      return [0n, ...near, ...between, head + 1n, head + 1_000_000n];
    }

    it.each([
      ['after', AUDITOR_NWP, (position: string) => `/events?after=${position}&limit=1`],
      [
        'minPosition',
        ANALYST_NWP,
        (position: string) => `/operations/venetic/picture?minPosition=${position}&waitMs=0`,
      ],
      [
        'knownAtPosition',
        ANALYST_NWP,
        (position: string) => `/operations/venetic/timeline/daily?knownAtPosition=${position}`,
      ],
    ] as const)('%s: accepted exactly for 0 and the positions of events', async (parameter, as, path) => {
      // Refused (400) or answered: an answer may still be 404 (as known at position 0 the operation did not exist).
      const verdicts: [string, boolean][] = [];
      const expected: [string, boolean][] = [];
      for (const commit of candidates()) {
        const position = formatPosition(positionOf(commit));
        const response = await api.as(as).get(path(position));
        verdicts.push([position, response.status === 400]);
        expected.push([position, !(commit === 0n || issued.includes(position))]);
        if (response.status === 400)
          expect(response.body).toMatchObject({
            code: 'request.invalid-query',
            errors: [{ path: parameter, constraint: 'issuedPosition' }],
          });
        else expect([200, 404]).toContain(response.status);
      }
      expect(verdicts).toEqual(expected);
    });

    it('refuses a commit/prepare pair no event has', async () => {
      const response = await api.as(AUDITOR_NWP).get(`/events?after=${head}/${head - 1n}`);
      expect(response.status).toBe(400);
      expect((response.body as { errors: { message: string }[] }).errors[0].message).toBe(
        `${head}/${head - 1n} is not the position of an event: send back a position the api returned`,
      );
    });

    it('accepts only timeline cursors it signed', async () => {
      const first = await api.as(ANALYST_NWP).get('/operations/venetic/timeline?limit=2');
      const cursor = (first.body as { nextCursor: string }).nextCursor;
      const unsigned = cursor.slice(0, cursor.lastIndexOf('.'));
      const tampered = `${unsigned.slice(0, -1)}${unsigned.endsWith('A') ? 'B' : 'A'}${cursor.slice(cursor.lastIndexOf('.'))}`;
      for (const forged of [
        unsigned,
        tampered,
        Buffer.from('0|1', 'utf8').toString('base64url'),
        'x'.repeat(300),
      ]) {
        const response = await api
          .as(ANALYST_NWP)
          .get(`/operations/venetic/timeline?cursor=${encodeURIComponent(forged)}`);
        expect([forged, response.status, response.body.errors]).toEqual([
          forged,
          400,
          [
            {
              path: 'cursor',
              constraint: 'issuedCursor',
              message: 'is not a cursor this api issued: pass nextCursor back unchanged',
            },
          ],
        ]);
      }
      const next = await api
        .as(ANALYST_NWP)
        .get(`/operations/venetic/timeline?limit=2&cursor=${encodeURIComponent(cursor)}`);
      expect((next.body as { entries: { eventId: string }[] }).entries.map((entry) => entry.eventId)).toEqual(
        [id(3), id(7)],
      );
    });
  });
});
