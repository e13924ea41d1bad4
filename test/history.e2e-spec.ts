import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GENESIS_HASH } from '@timeline/events';
import { computeEventHash, verifyExportFiles } from '@timeline/integrity';
import arrestExample from '../events/catalogue/ArrestMade/v1.example.json';
import intelligenceExample from '../events/catalogue/IntelligenceReceived/v2.example.json';
import agencyJoinedExample from '../events/catalogue/AgencyJoined/v1.example.json';
import launchExample from '../events/catalogue/OperationLaunched/v1.example.json';
import seizureExample from '../events/catalogue/SeizureRecorded/v1.example.json';
import { apiClient, type ApiClient } from './support/api-client';
import { startHistoryApp } from './support/history-app';
import { FixedClock, type TestApp } from './support/test-app';

const ids = {
  launch: '0190a6f0-0000-7000-8000-000000000001',
  joined: '0190a6f0-0000-7000-8000-000000000002',
  arrest: '0190a6f0-0000-7000-8000-000000000003',
  seizure: '0190a6f0-0000-7000-8000-000000000004',
  correction1: '0190a6f0-0000-7000-8000-000000000005',
  retraction: '0190a6f0-0000-7000-8000-000000000006',
  correction2: '0190a6f0-0000-7000-8000-000000000007',
  alpha: '0190a6f0-0000-7000-8000-000000000008',
};
const nca = { role: 'recorder' as const, agency: 'NCA' };
const nwp = { role: 'recorder' as const, agency: 'NWP' };
const auditor = { role: 'auditor' as const, agency: 'NCA' };
const PROBLEM = 'application/problem+json';

describe('history routes', () => {
  let testApp: TestApp;
  let api: ApiClient;
  const clock = new FixedClock(new Date('2020-06-13T08:00:00.000Z'));

  async function record(as: typeof nca, operationId: string, at: string, events: object[]): Promise<void> {
    clock.set(at);
    const response = await api.as(as).post(`/operations/${operationId}/events`).send({ events });
    expect(response.status).toBe(201);
  }

  beforeAll(async () => {
    testApp = await startHistoryApp({
      clock,
      history: { now: () => new Date('2020-07-02T12:00:00.000Z'), maxScannedPerRequest: 4 },
    });
    api = apiClient(testApp.app);
    await record(nca, 'venetic', '2020-04-01T09:00:00.000Z', [
      {
        eventId: ids.launch,
        type: 'OperationLaunched',
        occurredAt: '2020-03-26T09:00:00Z',
        data: launchExample,
      },
      {
        eventId: ids.joined,
        type: 'AgencyJoined',
        occurredAt: '2020-04-01T08:00:00Z',
        data: agencyJoinedExample,
      },
    ]);
    await record(nwp, 'venetic', '2020-06-13T09:00:00.000Z', [
      { eventId: ids.arrest, type: 'ArrestMade', occurredAt: '2020-06-13T05:30:00Z', data: arrestExample },
    ]);
    await record(nwp, 'venetic', '2020-06-13T10:00:00.000Z', [
      {
        eventId: ids.seizure,
        type: 'SeizureRecorded',
        occurredAt: '2020-06-13T06:00:00Z',
        data: seizureExample,
      },
    ]);
    await record({ role: 'recorder', agency: 'GMP' }, 'alpha', '2020-06-13T10:30:00.000Z', [
      {
        eventId: ids.alpha,
        type: 'OperationLaunched',
        occurredAt: '2020-06-01T09:00:00Z',
        data: { ...launchExample, codename: 'ALPHA', leadAgency: 'GMP' },
      },
    ]);
    await record(nwp, 'venetic', '2020-06-14T09:00:00.000Z', [
      {
        eventId: ids.correction1,
        type: 'EventCorrected',
        occurredAt: '2020-06-14T08:00:00Z',
        data: {
          correctsEventId: ids.seizure,
          correctedType: 'SeizureRecorded',
          replacement: { ...seizureExample, postcodeDistrict: 'LL12' },
          reason: 'District keyed wrongly',
        },
      },
    ]);
    await record(nca, 'venetic', '2020-06-15T09:00:00.000Z', [
      {
        eventId: ids.retraction,
        type: 'EventRetracted',
        occurredAt: '2020-06-15T08:00:00Z',
        data: { retractsEventId: ids.arrest, reason: 'entered-in-error' },
      },
    ]);
    await record(nca, 'venetic', '2020-06-16T09:00:00.000Z', [
      {
        eventId: ids.correction2,
        type: 'EventCorrected',
        occurredAt: '2020-06-16T08:00:00Z',
        data: {
          correctsEventId: ids.seizure,
          correctedType: 'SeizureRecorded',
          replacement: { ...seizureExample, postcodeDistrict: 'LL13' },
          reason: 'Exhibits review',
        },
      },
    ]);
  });
  afterAll(() => testApp.close());

  /** Follows `next` links to the end; returns the event ids and the size of each page. */
  async function follow(
    href: string,
    as: { role: 'auditor'; agency: string } = auditor,
  ): Promise<{ ids: string[]; pages: number[] }> {
    const seen: string[] = [];
    const pages: number[] = [];
    let next: string | undefined = href;
    while (next) {
      const page = await api.as(as).get(next);
      expect(page.status).toBe(200);
      pages.push(page.body.events.length);
      seen.push(...page.body.events.map((event: { eventId: string }) => event.eventId));
      next = page.body.next?.href;
    }
    return { ids: seen, pages };
  }

  it('is for auditors of an agency taking part: others get 401, 403 or 404 as for an unknown operation', async () => {
    const routes = [
      '/operations/venetic/events',
      `/operations/venetic/events/${ids.arrest}/lineage`,
      '/operations/venetic/verify',
      '/operations/venetic/export',
    ];
    for (const route of routes) {
      expect([route, (await api.anonymous().get(route)).status]).toEqual([route, 401]);
      expect([route, (await api.as(nca).get(route)).status]).toEqual([route, 403]);
      expect([route, (await api.as({ role: 'analyst', agency: 'NCA' }).get(route)).status]).toEqual([
        route,
        403,
      ]);
      expect([route, (await api.as({ role: 'auditor', agency: 'WMP' }).get(route)).status]).toEqual([
        route,
        404,
      ]);
    }
    expect((await api.as(nca).get('/events')).status).toBe(403);
    expect((await follow('/events?limit=100', { role: 'auditor', agency: 'GMP' })).ids).toEqual([ids.alpha]);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const response = await api.as(auditor).get('/docs-json');
    expect(response.status).toBe(200);
    const paths = Object.keys(response.body.paths);
    for (const path of [
      '/operations/{operationId}/events',
      '/operations/{operationId}/events/{eventId}/lineage',
      '/operations/{operationId}/verify',
      '/operations/{operationId}/export',
      '/events',
      '/verify',
    ]) {
      expect([path, paths.includes(path)]).toEqual([path, true]);
    }
    expect(Object.keys(response.body.paths['/operations/{operationId}/events'])).toEqual(['post', 'get']);
  });

  describe('GET /operations/{id}/events', () => {
    it('returns the events exactly as stored, with the full envelope, in pages with a next link', async () => {
      const first = await api.as(auditor).get('/operations/venetic/events?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.operationId).toBe('venetic');
      expect(first.body.next).toEqual({
        fromRevision: 2,
        href: '/operations/venetic/events?direction=forwards&fromRevision=2&limit=2',
      });
      const [launch, joined] = first.body.events;
      expect(launch).toEqual({
        eventId: ids.launch,
        type: 'OperationLaunched',
        schemaVersion: 1,
        operationId: 'venetic',
        streamRevision: 0,
        occurredAt: '2020-03-26T09:00:00.000Z',
        recordedAt: '2020-04-01T09:00:00.000Z',
        recordedBy: 'recorder@nca',
        agency: 'NCA',
        correlationId: launch.correlationId,
        causationId: null,
        classification: 'OFFICIAL',
        prevHash: GENESIS_HASH,
        hash: launch.hash,
        position: '1',
        // As the write path stores it: dates normalised to milliseconds.
        data: { ...launchExample, startedAt: '2020-03-26T09:00:00.000Z' },
      });
      const { eventId, type, data, position: _position, ...envelope } = launch;
      expect(computeEventHash({ eventId, type, data, envelope })).toBe(launch.hash);
      expect([joined.streamRevision, joined.prevHash, joined.position]).toEqual([1, launch.hash, '2']);

      const revisions: number[] = [];
      let href: string | undefined = '/operations/venetic/events?limit=2';
      while (href) {
        const page = await api.as(auditor).get(href);
        revisions.push(...page.body.events.map((event: { streamRevision: number }) => event.streamRevision));
        href = page.body.next?.href;
      }
      expect(revisions).toEqual([0, 1, 2, 3, 4, 5, 6]);
    });

    it('reads backwards from a revision', async () => {
      const response = await api
        .as(auditor)
        .get('/operations/venetic/events?direction=backwards&fromRevision=4&limit=3');
      expect(response.body.events.map((event: { eventId: string }) => event.eventId)).toEqual([
        ids.correction1,
        ids.seizure,
        ids.arrest,
      ]);
      expect(response.body.next).toEqual({
        fromRevision: 1,
        href: '/operations/venetic/events?direction=backwards&fromRevision=1&limit=3',
      });
    });

    it('refuses bad parameters with field-level errors', async () => {
      const response = await api
        .as(auditor)
        .get('/operations/venetic/events?direction=sideways&fromRevision=-1&limit=5000&colour=red');
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM);
      expect(response.body.code).toBe('request.invalid-query');
      expect(
        response.body.errors.map((error: { path: string; constraint: string }) => [
          error.path,
          error.constraint,
        ]),
      ).toEqual([
        ['colour', 'whitelist'],
        ['direction', 'isIn'],
        ['fromRevision', 'isRevision'],
        ['limit', 'pageSize'],
      ]);
    });

    it('answers 404 for an operation without events', async () => {
      const response = await api.as(auditor).get('/operations/nowhere/events');
      expect([response.status, response.body.code]).toEqual([404, 'operation.not-found']);
    });
  });

  describe('GET /events', () => {
    it('filters the global log by type, agency, operation and recorded time, within the caller’s operations', async () => {
      // alpha is GMP's operation: NCA's auditor does not see its launch.
      expect((await follow('/events?type=OperationLaunched,EventRetracted&limit=10')).ids).toEqual([
        ids.launch,
        ids.retraction,
      ]);
      expect((await follow('/events?agency=NWP&operationId=venetic&limit=10')).ids).toEqual([
        ids.arrest,
        ids.seizure,
        ids.correction1,
      ]);
      expect(
        (await follow('/events?recordedFrom=2020-06-13T09:00:00Z&recordedTo=2020-06-15T09:00:00Z&limit=10'))
          .ids,
      ).toEqual([ids.arrest, ids.seizure, ids.correction1]);
    });

    it('pages with next links that keep the filters, examining a bounded number of events per request', async () => {
      const first = await api.as(auditor).get('/events?agency=NCA&limit=2');
      expect([first.body.examinedUpTo, first.body.next]).toEqual([
        '2',
        { after: '2', href: '/events?limit=2&agency=NCA&after=2' },
      ]);
      const { ids: seen, pages } = await follow('/events?agency=NCA&limit=2');
      expect(seen).toEqual([ids.launch, ids.joined, ids.retraction, ids.correction2]);
      // At most 4 events are examined per request: a run of other agencies' events makes a page short, never wrong;
      // the last page reached the end of the log, so it has no next link.
      expect(pages).toEqual([2, 0, 2, 0]);
    });

    it('answers 404 for an operation the caller’s agency takes no part in, and 400 for bad filters', async () => {
      const hidden = await api.as(auditor).get('/events?operationId=alpha');
      expect([hidden.status, hidden.body.code]).toEqual([404, 'history.operation-not-found']);
      const bad = await api.as(auditor).get('/events?after=x&type=Arrest&agency=nca&recordedFrom=yesterday');
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((error: { path: string }) => error.path)).toEqual([
        'after',
        'type',
        'agency',
        'recordedFrom',
      ]);
    });
  });

  it('GET lineage lists the corrections in order with who and when, and the data as corrected', async () => {
    const response = await api.as(auditor).get(`/operations/venetic/events/${ids.seizure}/lineage`);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('corrected');
    const stored = await api.as(auditor).get('/operations/venetic/events?fromRevision=3&limit=1');
    expect(response.body.event).toEqual(stored.body.events[0]);
    expect(response.body.event.data.postcodeDistrict).toBe('LL11');
    expect(response.body.currentData.postcodeDistrict).toBe('LL13');
    expect(
      response.body.changes.map((change: Record<string, unknown>) => [
        change.kind,
        change.eventId,
        change.recordedBy,
        change.agency,
        change.recordedAt,
        change.reason,
      ]),
    ).toEqual([
      [
        'correction',
        ids.correction1,
        'recorder@nwp',
        'NWP',
        '2020-06-14T09:00:00.000Z',
        'District keyed wrongly',
      ],
      ['correction', ids.correction2, 'recorder@nca', 'NCA', '2020-06-16T09:00:00.000Z', 'Exhibits review'],
    ]);
    const retracted = await api.as(auditor).get(`/operations/venetic/events/${ids.arrest}/lineage`);
    expect([retracted.body.status, retracted.body.changes.length, retracted.body.changes[0].reason]).toEqual([
      'retracted',
      1,
      'entered-in-error',
    ]);
    const unknown = await api
      .as(auditor)
      .get('/operations/venetic/events/0190a6f0-0000-7000-8000-0000000000ff/lineage');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'history.event-not-found']);
    const malformed = await api.as(auditor).get('/operations/venetic/events/not-a-uuid/lineage');
    expect([malformed.status, malformed.body.errors]).toEqual([
      400,
      [{ path: 'eventId', constraint: 'isUuid', message: 'must be a UUID' }],
    ]);
  });

  it('GET export streams NDJSON ending with a manifest that verifies offline', async () => {
    const response = await api
      .as(auditor)
      .get('/operations/venetic/export')
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="venetic-20200702T120000Z.ndjson"',
    );
    const text = response.body as string;
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    const { manifest } = JSON.parse(lines[7]);
    expect([manifest.events, manifest.exportedBy, manifest.exportedAt, manifest.countsByType]).toEqual([
      7,
      'auditor@nca (NCA)',
      '2020-07-02T12:00:00.000Z',
      {
        AgencyJoined: 1,
        ArrestMade: 1,
        EventCorrected: 2,
        EventRetracted: 1,
        OperationLaunched: 1,
        SeizureRecorded: 1,
      },
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'timeline-download-'));
    try {
      await writeFile(join(dir, 'venetic.ndjson'), text);
      const verified = await verifyExportFiles({ ndjsonPath: join(dir, 'venetic.ndjson') });
      expect([verified.ok, verified.problems]).toEqual([true, []]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const missing = await api.as(auditor).get('/operations/nowhere/export');
    expect([missing.status, missing.headers['content-type']]).toEqual([
      404,
      expect.stringContaining(PROBLEM),
    ]);
  });

  it('GET verify reports the chain head, then names an event altered in the file', async () => {
    const intact = await api.as(auditor).get('/operations/venetic/verify');
    expect(intact.status).toBe(200);
    expect(intact.body).toEqual({
      ok: true,
      operationId: 'venetic',
      events: 7,
      head: { revision: 6, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    // Whole-log figures for those who run the store only; an auditor sees its operations' figures.
    const log = await api.as(auditor).get('/verify');
    expect(log.body).toEqual({
      ok: true,
      events: 7,
      streams: [{ operationId: 'venetic', revision: 6, hash: intact.body.head.hash }],
      lastPosition: expect.any(String),
    });
    const operator = await api.as({ role: ['auditor', 'admin'], agency: 'NCA' }).get('/verify');
    expect(operator.body).toMatchObject({ ok: true, events: 8 });
    const outsider = await api.as({ role: 'auditor', agency: 'TARIAN' }).get('/verify');
    expect(outsider.body).toEqual({ ok: true, events: 0, streams: [], lastPosition: null });

    const db = new Database(join(testApp.dataDir, 'events.db'));
    db.exec('DROP TRIGGER events_are_immutable_update');
    db.prepare("UPDATE events SET data = replace(data, 'SUBJ-7F3K2', 'SUBJ-7F3K3') WHERE event_id = ?").run(
      ids.arrest,
    );
    db.close();
    const broken = await api.as(auditor).get('/operations/venetic/verify');
    expect(broken.body).toEqual({
      ok: false,
      operationId: 'venetic',
      events: 2,
      brokenAt: {
        operationId: 'venetic',
        revision: 2,
        eventId: ids.arrest,
        position: '3',
        reason: 'hash-mismatch',
        expected: expect.stringMatching(/^[0-9a-f]{64}$/),
        actual: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
  });
});

describe('history routes and handling code C', () => {
  let testApp: TestApp;
  let api: ApiClient;
  const intelligenceId = '0190a6f0-0000-7000-8000-0000000000c1';

  beforeAll(async () => {
    testApp = await startHistoryApp();
    api = apiClient(testApp.app);
    const response = await api
      .as(nca)
      .post('/operations/tarian/events')
      .send({
        events: [
          {
            type: 'OperationLaunched',
            occurredAt: '2020-03-26T09:00:00Z',
            data: { ...launchExample, codename: 'TARIAN' },
          },
          { type: 'AgencyJoined', occurredAt: '2020-04-01T08:00:00Z', data: agencyJoinedExample },
          // v2 example: handling C, conditions that name NCA only.
          {
            eventId: intelligenceId,
            type: 'IntelligenceReceived',
            occurredAt: '2020-04-02T08:00:00Z',
            data: intelligenceExample,
          },
        ],
      });
    expect(response.status).toBe(201);
  });
  afterAll(() => testApp.close());

  async function download(as: { role: 'auditor'; agency: string }): Promise<string> {
    const response = await api
      .as(as)
      .get('/operations/tarian/export')
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      });
    expect(response.status).toBe(200);
    return response.body as string;
  }

  it('withholds the details from an auditor of an agency the conditions do not name, in reads and exports', async () => {
    const nwpAuditor = { role: 'auditor' as const, agency: 'NWP' };
    const events = await api.as(nwpAuditor).get('/operations/tarian/events');
    expect(events.body.events[2]).toMatchObject({
      eventId: intelligenceId,
      data: { withheld: true, handling: 'C' },
    });
    const shown = await api.as(auditor).get('/operations/tarian/events');
    expect(shown.body.events[2].data.reportRef).toBe(intelligenceExample.reportRef);

    const dir = await mkdtemp(join(tmpdir(), 'timeline-withheld-'));
    try {
      for (const [who, withheld] of [
        [nwpAuditor, 1],
        [auditor, 0],
      ] as const) {
        const text = await download(who);
        expect(text.includes(intelligenceExample.reportRef)).toBe(withheld === 0);
        const file = join(dir, `${who.agency}.ndjson`);
        await writeFile(file, text);
        const verified = await verifyExportFiles({ ndjsonPath: file });
        expect([
          who.agency,
          verified.ok,
          verified.problems,
          verified.recomputed.withheld,
          verified.manifest?.withheld,
        ]).toEqual([who.agency, true, [], withheld, withheld]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
