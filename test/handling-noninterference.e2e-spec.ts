import fc from 'fast-check';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import launchExample from '../events/catalogue/OperationLaunched/v1.example.json';
import { FixedClock } from './support/test-app';
import { startSecuredApp, type RouteKey, type SecuredTestApp } from './support/auth.app';
import { bearerFor, type TestPrincipal } from './support/auth.tokens';
import type { Role } from '@timeline/auth';

/**
 * Handling code C is non-interfering: the same operation recorded twice, the two
 * recordings differing only in what C-coded reports say (grading, priority,
 * threat to life, region, subjects, source, conditions, and their corrections'
 * replacements and reasons). For every principal not entitled to those reports
 * and every readable route the router serves (enumerated from it, with the query
 * variants that select, filter or break down), the two servers answer the same
 * bytes, apart from what must differ: the hashes, which cover the withheld data.
 */

/** Records every C-coded report (and its corrections); entitled: GMP and the agencies below. */
const RECORDER = 'GMP';
const SOURCES = ['GMP', 'FR-GN', 'NL-POLITIE'] as const;
const NAMEABLE = ['GMP', 'TARIAN', 'ROCU-NW'] as const;
/** Agencies never entitled: the lead, a member, one that takes no part. */
const OUTSIDERS = ['NCA', 'NWP', 'MPS'] as const;
const ROLES: readonly (Role | readonly Role[])[] = [
  'analyst',
  'auditor',
  'admin',
  'recorder',
  ['auditor', 'admin'],
];
const REGIONS = ['national', 'north-west', 'wales', 'london', 'eastern'] as const;

interface Details {
  readonly source: number;
  readonly intelligence: string;
  readonly priority: 'HIGH' | 'MEDIUM' | 'LOW';
  readonly threatToLife: boolean;
  readonly region: string;
  readonly fromAgency: string;
  readonly named: readonly string[];
  readonly subjects: readonly string[];
}

const details: fc.Arbitrary<Details> = fc.record({
  source: fc.constantFrom(1, 2, 3),
  intelligence: fc.constantFrom('A', 'B', 'C', 'D', 'E'),
  priority: fc.constantFrom<'HIGH' | 'MEDIUM' | 'LOW'>('HIGH', 'MEDIUM', 'LOW'),
  threatToLife: fc.boolean(),
  region: fc.constantFrom(...REGIONS),
  fromAgency: fc.constantFrom(...SOURCES),
  named: fc.subarray([...NAMEABLE]),
  subjects: fc.array(fc.stringMatching(/^SUBJ-[A-Z0-9]{4}$/), { maxLength: 3 }),
});

/** One C-coded report: its details, and the corrections made to it (each with a reason). */
interface Report {
  readonly details: Details;
  readonly corrections: readonly { readonly details: Details; readonly reason: string }[];
}

/** The shape both recordings share: how many reports, how many corrections each, which is retracted. */
interface Shape {
  readonly corrections: readonly number[];
  readonly retracted: number | null;
}

const shape: fc.Arbitrary<Shape> = fc
  .array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 3 })
  .chain((corrections) =>
    fc.record({
      corrections: fc.constant(corrections),
      retracted: fc.option(fc.nat({ max: corrections.length - 1 }), { nil: null }),
    }),
  );

function reportsOf(s: Shape): fc.Arbitrary<Report[]> {
  return fc.tuple(
    ...s.corrections.map((count) =>
      fc.record({
        details,
        corrections: fc.array(fc.record({ details, reason: fc.string({ minLength: 1, maxLength: 40 }) }), {
          minLength: count,
          maxLength: count,
        }),
      }),
    ),
  );
}

const scenario = shape.chain((s) => fc.tuple(fc.constant(s), reportsOf(s), reportsOf(s)));

function data(d: Details, reportRef: string): Record<string, unknown> {
  return {
    reportRef,
    fromAgency: d.fromAgency,
    grading: {
      source: d.source,
      intelligence: d.intelligence,
      handling: 'C',
      conditions: `Share with ${d.named.join(' and ') || 'no other agency'}; no onward dissemination`,
    },
    priority: d.threatToLife ? 'HIGH' : d.priority,
    threatToLife: d.threatToLife,
    subjects: [...d.subjects],
    region: d.region,
  };
}

/**
 * The dashboard's files where the apps under test look for them (DASHBOARD_DIR's default, from
 * the project root); when the dashboard is not built, its routes answer 503 on both sides.
 */
const DASHBOARD_DIR = join(__dirname, '..', 'dist', 'dashboard');
const DASHBOARD_ASSETS = existsSync(DASHBOARD_DIR)
  ? readdirSync(DASHBOARD_DIR).filter((name) => name !== 'index.html')
  : ['app.js'];

const id = (run: number, n: number) =>
  `0190c000-0000-7000-8000-${String(run).padStart(6, '0')}${String(n).padStart(6, '0')}`;

/** What must differ between the recordings, and what varies with time or place only. */
function normalise(route: string, text: string): string {
  let normalised = text
    .replace(/[0-9a-f]{64}/g, '<sha-256>')
    .replace(/timeline-auth-[A-Za-z0-9]+/g, 'timeline-auth-<dir>');
  if (route === 'GET /audit/access') normalised = normalised.replace(/"at":"[^"]+"/g, '"at":"<time>"');
  // When a checkpoint was last written, how long ago the last event was applied and how long the
  // transparency log took to start follow the machine.
  normalised = normalised
    .replace(/"msSinceLastApplied":\d+/g, '"msSinceLastApplied":<ms>')
    .replace(/"startUpMs":\d+/g, '"startUpMs":<ms>')
    .replace(/"checkpointPosition":("[^"]*"|null)/g, '"checkpointPosition":<position>');
  if (route === 'GET /metrics') {
    // Latencies, the writer's group commits, time since the last event and the process's own
    // figures follow the machine, not the data; series are compared as a set.
    normalised = normalised
      .split('\n')
      .filter(
        (line) =>
          !/^(# (HELP|TYPE) )?(timeline_process_|timeline_nodejs_|timeline_http_request_duration_seconds|timeline_store_embedded|timeline_projection_seconds_since_last_applied)/.test(
            line,
          ),
      )
      .sort()
      .join('\n');
  }
  return normalised;
}

// The rate limit's window slides with the clock of the machine, not the data.
const IGNORED_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  // Follows the body, which is compared once normalised.
  'content-length',
]);

describe('handling code C is non-interfering (differential)', () => {
  let apps: [SecuredTestApp, SecuredTestApp];
  const clocks = [
    new FixedClock(new Date('2020-07-01T12:00:00Z')),
    new FixedClock(new Date('2020-07-01T12:00:00Z')),
  ];
  let run = 0;

  beforeAll(async () => {
    const env = { RATE_LIMIT_REQUESTS: '1000000', SSE_MAX_CONNECTIONS_PER_PRINCIPAL: '50' };
    apps = [
      await startSecuredApp(env, { clock: clocks[0] }),
      await startSecuredApp(env, { clock: clocks[1] }),
    ];
  }, 120_000);
  afterAll(async () => {
    await apps?.[0]?.close();
    await apps?.[1]?.close();
  });

  const headersOf = (principal: TestPrincipal, request: number): Record<string, string> => ({
    authorization: bearerFor(principal),
    'x-correlation-id': `probe-${request}`,
  });

  async function record(api: SecuredTestApp, operationId: string, agency: string, events: unknown[]) {
    const response = await api.fetch(
      'POST',
      `/operations/${operationId}/events`,
      headersOf({ role: 'recorder', agency }, 0),
      {
        events,
      },
    );
    if (response.status !== 201) throw new Error(`recording failed: ${response.status} ${response.text}`);
    return (JSON.parse(response.text) as { position: string }).position;
  }

  /** Concrete requests for a route: its parameters filled in, then each query variant. */
  function requestsFor(
    route: RouteKey,
    operationId: string,
    eventIds: string[],
    midPosition: string,
  ): string[] {
    const [, pattern] = route.split(' ');
    const fill = (path: string): string[] => {
      if (path.includes(':eventId'))
        return eventIds.flatMap((eventId) => fill(path.replace(':eventId', eventId)));
      if (path.includes(':name'))
        return ['operational-picture', 'timeline'].flatMap((name) => fill(path.replace(':name', name)));
      if (path.includes(':asset'))
        return DASHBOARD_ASSETS.flatMap((asset) => fill(path.replace(':asset', asset)));
      const concrete = path.replace(':operationId', operationId).replace(/\*$/, 'swagger-ui.css');
      if (concrete.includes(':')) throw new Error(`no value for a parameter of ${route}`);
      return [concrete];
    };
    const variants: Record<string, string[]> = {
      'GET /operations/:operationId/events': ['limit=1000', 'direction=backwards&limit=3'],
      'GET /events': [
        `operationId=${operationId}&limit=1000`,
        'agency=GMP&limit=1000',
        'type=IntelligenceReceived,EventCorrected&limit=1000',
      ],
      'GET /operations/:operationId/picture': [
        'view=as-recorded',
        `knownAtPosition=${midPosition}`,
        'happenedBy=2020-05-15T00:00:00Z',
      ],
      'GET /operations/:operationId/timeline': [
        'limit=500',
        'view=as-recorded&limit=500',
        `knownAtPosition=${midPosition}&limit=500`,
        'type=IntelligenceReceived',
        ...[...SOURCES, ...NAMEABLE, ...REGIONS.slice(0, 1), 'NCA'].map((agency) => `agency=${agency}`),
      ],
      'GET /operations/:operationId/timeline/daily': ['type=IntelligenceReceived', 'view=as-recorded'],
      'GET /audit/access': ['limit=1000'],
    };
    return fill(pattern).flatMap((path) => [
      path,
      ...(variants[route] ?? []).map((query) => `${path}?${query}`),
    ]);
  }

  it('answers every reader not entitled the same bytes on every GET route (property)', async () => {
    const getRoutes = apps[0].routes.filter((route) => route.startsWith('GET '));
    expect(getRoutes).toEqual(apps[1].routes.filter((route) => route.startsWith('GET ')));
    const principals: TestPrincipal[] = OUTSIDERS.flatMap((agency) =>
      ROLES.map((role) => ({ role, agency })),
    );

    await fc.assert(
      fc.asyncProperty(scenario, async ([s, first, second]) => {
        run += 1;
        const operationId = `nonint-${run}`;
        const reportIds = s.corrections.map((_, index) => id(run, 10 + index));
        const correctionIds = s.corrections.flatMap((count, index) =>
          Array.from({ length: count }, (_, k) => id(run, 100 + index * 10 + k)),
        );
        const publicReport = id(run, 1);

        // The operation, then live streams opened by every principal, then the reports.
        const positions: string[][] = [[], []];
        for (const [side, api] of apps.entries()) {
          clocks[side].set('2020-07-01T12:00:00Z');
          positions[side].push(
            await record(api, operationId, 'NCA', [
              {
                eventId: id(run, 2),
                type: 'OperationLaunched',
                occurredAt: '2020-03-26T09:00:00Z',
                data: launchExample,
              },
              {
                eventId: id(run, 3),
                type: 'AgencyJoined',
                occurredAt: '2020-04-01T08:00:00Z',
                data: { agency: 'NWP', region: 'wales' },
              },
              {
                eventId: id(run, 4),
                type: 'AgencyJoined',
                occurredAt: '2020-04-01T08:00:00Z',
                data: { agency: 'GMP', region: 'north-west' },
              },
            ]),
          );
        }
        const liveRoutes = getRoutes.filter(
          (route) => route.endsWith('/live') && !route.includes('/picture/'),
        );
        const streams = await Promise.all(
          apps.map((api) =>
            Promise.all(
              principals.flatMap((principal, p) =>
                liveRoutes.map(async (route) => ({
                  key: `${route} ${JSON.stringify(principal)}`,
                  // Readers of the operation are pushed every event; the others nothing.
                  reader:
                    principal.agency !== 'MPS' &&
                    [principal.role].flat().some((role) => role === 'analyst' || role === 'auditor'),
                  stream: await api.open(
                    route.split(' ')[1].replace(':operationId', operationId),
                    headersOf(principal, 1_000 + p),
                  ),
                })),
              ),
            ),
          ),
        );

        for (const [side, api] of apps.entries()) {
          const reports = side === 0 ? first : second;
          positions[side].push(
            await record(api, operationId, 'NWP', [
              {
                eventId: publicReport,
                type: 'IntelligenceReceived',
                occurredAt: '2020-05-01T10:00:00Z',
                data: {
                  reportRef: `PUB-${run}`,
                  fromAgency: 'NWP',
                  grading: { source: 2, intelligence: 'B', handling: 'P' },
                  priority: 'MEDIUM',
                  threatToLife: false,
                  subjects: [],
                  region: 'wales',
                },
              },
            ]),
          );
          for (const [index, report] of reports.entries()) {
            positions[side].push(
              await record(api, operationId, RECORDER, [
                {
                  eventId: reportIds[index],
                  type: 'IntelligenceReceived',
                  occurredAt: `2020-05-${String(10 + index).padStart(2, '0')}T10:00:00Z`,
                  data: data(report.details, `VEN-C-${run}-${index}`),
                },
              ]),
            );
          }
          for (const [index, report] of reports.entries()) {
            for (const [k, correction] of report.corrections.entries()) {
              positions[side].push(
                await record(api, operationId, RECORDER, [
                  {
                    eventId: id(run, 100 + index * 10 + k),
                    type: 'EventCorrected',
                    occurredAt: '2020-06-20T10:00:00Z',
                    data: {
                      correctsEventId: reportIds[index],
                      correctedType: 'IntelligenceReceived',
                      reason: correction.reason,
                      replacement: data(correction.details, `VEN-C-${run}-${index}`),
                    },
                  },
                ]),
              );
            }
          }
          if (s.retracted !== null) {
            positions[side].push(
              await record(api, operationId, RECORDER, [
                {
                  eventId: id(run, 999),
                  type: 'EventRetracted',
                  occurredAt: '2020-06-21T10:00:00Z',
                  data: { retractsEventId: reportIds[s.retracted], reason: 'duplicate', note: null },
                },
              ]),
            );
          }
        }
        expect(positions[1]).toEqual(positions[0]);
        const last = positions[0][positions[0].length - 1];
        // Both servers' read models reflect the last event before anything is compared.
        for (const api of apps) {
          const caughtUp = await api.fetch(
            'GET',
            `/operations/${operationId}/picture?minPosition=${last}&waitMs=10000`,
            headersOf({ role: 'analyst', agency: 'NCA' }, 2),
          );
          expect(caughtUp.status).toBe(200);
        }
        const mid = positions[0][Math.floor(positions[0].length / 2)];

        // Each live stream: every push up to the last event (for readers of the operation), then closed.
        const live = await Promise.all(
          streams.map((side) =>
            Promise.all(
              side.map(async ({ key, reader, stream }) => {
                if (stream.status === 200 && reader)
                  await stream.until((text) => text.includes(`id: ${last}\n`), 15_000);
                stream.close();
                return `${key} ${stream.status}\n${stream.text()}`;
              }),
            ),
          ),
        );
        expect(normalise('live', live[1].join('\n'))).toBe(normalise('live', live[0].join('\n')));

        // Every other GET route, every variant, for every principal.
        const eventIds = [publicReport, ...reportIds, ...correctionIds];
        let request = 10_000;
        for (const route of getRoutes) {
          const paths = requestsFor(route, operationId, eventIds, mid);
          for (const principal of principals) {
            for (const path of paths) {
              request += 1;
              const answers = [];
              for (const api of apps) {
                const headers = headersOf(principal, request);
                if (route.endsWith('/live')) {
                  // The picture's live feed sends the current picture at once.
                  const stream = await api.open(path, headers);
                  const text = stream.status === 200 ? await stream.until((t) => /\n\n/.test(t), 15_000) : '';
                  stream.close();
                  answers.push({
                    status: stream.status,
                    headers: {},
                    text: text.slice(0, text.indexOf('\n\n') + 1),
                  });
                } else {
                  answers.push(await api.fetch('GET', path, headers));
                }
              }
              const [a, b] = answers.map((answer) => ({
                status: answer.status,
                headers: Object.fromEntries(
                  Object.entries(answer.headers).filter(([name]) => !IGNORED_HEADERS.has(name)),
                ),
                body: normalise(route, answer.text),
              }));
              expect([JSON.stringify(principal), path, b]).toEqual([JSON.stringify(principal), path, a]);
            }
          }
        }
      }),
      // A failing case is reported as found: each run records two operations and reads every route.
      { numRuns: 3, endOnFailure: true },
    );
  }, 600_000);
});
