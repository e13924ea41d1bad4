import { ROLES, type Role } from '@timeline/auth';
import { startSecuredApp, type SecuredTestApp } from './support/auth.app';
import { bearerFor } from './support/auth.tokens';

// Hundreds of requests against one app on a machine the suite shares.
jest.setTimeout(300_000);

/** Launched by NCA, joined by NWP; GMP takes no part in it. */
const EXISTING = 'venetic';
/** Never created; as long as EXISTING, so lengths in headers and bodies match. */
const MISSING = 'vxnetic';
const RAID_EVENT_ID = '0190b000-0000-7000-8000-00000000a001';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Headers that differ between any two requests, whatever they name. */
const PER_REQUEST_HEADERS = new Set(['x-correlation-id', 'date', 'connection', 'keep-alive']);

const arrest = {
  events: [
    {
      type: 'ArrestMade',
      occurredAt: '2020-06-15T06:10:00Z',
      data: {
        arrestId: 'ARR-1',
        subjectId: 'SUBJ-1',
        suspectedOffences: ['conspiracy-to-supply-class-a'],
        force: 'GMP',
      },
    },
  ],
};
/** Bodies a caller might send: none, empty, a valid non-launch, invalid ones. */
const BODIES: readonly {
  readonly name: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}[] = [
  { name: 'no body' },
  { name: 'empty object', body: {} },
  { name: 'an arrest', body: arrest },
  {
    name: 'an arrest with If-Match and Idempotency-Key',
    body: arrest,
    headers: { 'if-match': '"0"', 'idempotency-key': 'probe-1' },
  },
  { name: 'an arrest with an expected revision', body: { ...arrest, expectedRevision: 7 } },
  { name: 'an unknown type', body: { events: [{ type: 'Nope', occurredAt: 'yesterday', data: {} }] } },
  { name: 'a batch launching second', body: { events: [arrest.events[0], { type: 'OperationLaunched' }] } },
  { name: 'not a batch', body: [1, 2, 3] },
];

/**
 * Principals of an agency taking part in nothing. A role check comes before
 * membership, and answers alike whatever the operation: the principal holding
 * every role reaches the membership check on every route; a plain recorder too.
 */
const CALLERS: readonly { readonly name: string; readonly roles: readonly Role[] }[] = [
  { name: 'every role', roles: ROLES },
  { name: 'recorder', roles: ['recorder'] },
];

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** The whole answer, or status -1 when none came within 10 s (a live stream opened). */
function answerOf(
  api: SecuredTestApp,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Answer>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: -1, headers: {}, text: 'no complete answer within 10 s' }),
      10_000,
    );
  });
  return Promise.race([api.fetch(method, path, headers, body), late]).finally(() => clearTimeout(timer));
}

/** The answer with the operation id written as EXISTING, the caller's subject as SUBJECT, per-request headers left out. */
function comparable(answer: Answer, operationId: string, subject: string): unknown {
  const rename = (text: string): string =>
    text.split(operationId).join(EXISTING).split(subject).join('SUBJECT');
  const headers = Object.entries(answer.headers)
    .filter(([name]) => !PER_REQUEST_HEADERS.has(name))
    .map(([name, value]) => [name, rename(String(value))])
    .sort(([a], [b]) => a.localeCompare(b));
  return { status: answer.status, headers, body: rename(answer.text) };
}

describe('No existence oracle: an operation a caller takes no part in answers as one that does not exist', () => {
  let api: SecuredTestApp;

  beforeAll(async () => {
    api = await startSecuredApp({ RATE_LIMIT_REQUESTS: '100000', AUTH_FAILURES_LIMIT: '100000' });
    const launched = await api.fetch(
      'POST',
      `/operations/${EXISTING}/events`,
      { authorization: bearerFor({ role: 'recorder', agency: 'NCA' }) },
      {
        events: [
          {
            type: 'OperationLaunched',
            occurredAt: '2020-03-26T09:00:00Z',
            data: {
              codename: 'VENETIC',
              leadAgency: 'NCA',
              startedAt: '2020-03-26T09:00:00Z',
              description: 'x',
            },
          },
          {
            type: 'AgencyJoined',
            occurredAt: '2020-04-01T09:00:00Z',
            data: { agency: 'NWP', region: 'wales' },
          },
          {
            eventId: RAID_EVENT_ID,
            type: 'RaidConducted',
            occurredAt: '2020-06-15T05:30:00Z',
            data: {
              raidId: 'RAID-1',
              force: 'NWP',
              postcodeDistrict: 'LL11',
              legalPower: 'mda-s23-warrant',
              startedAt: '2020-06-15T05:30:00Z',
              endedAt: '2020-06-15T11:45:00Z',
              officers: 24,
            },
          },
        ],
      },
    );
    expect(launched.status).toBe(201);
  });

  afterAll(() => api?.close());

  it('gives every route, method and body naming it the same answer, byte for byte', async () => {
    // Every path the router serves that names an operation, by parameter or by query.
    const paths = [...new Set(api.routes.map((route) => route.slice(route.indexOf(' ') + 1)))].sort();
    const named = paths
      .filter((path) => path.includes(':operationId'))
      .map(
        (path) => (id: string) =>
          path
            .replace(':operationId', id)
            .replace(':eventId', RAID_EVENT_ID)
            .replace(/:[A-Za-z]+/g, 'x'),
      );
    // Global reads that take an operation as a filter: the access audit, and those the OpenAPI document declares.
    const documented = await api.fetch('GET', '/docs-json', {
      authorization: bearerFor({ role: 'auditor', agency: 'NCA' }),
    });
    const document = JSON.parse(documented.text) as {
      paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
    };
    const filtering = Object.entries(document.paths)
      .filter(([path]) => !path.includes('{') && !path.endsWith('/live'))
      .filter(([, item]) =>
        (item.get?.parameters ?? []).some(
          (parameter) => parameter.in === 'query' && parameter.name === 'operationId',
        ),
      )
      .map(([path]) => path);
    const queried = [...new Set([...filtering, '/audit/access'])].map(
      (path) => (id: string) => `${path}?operationId=${id}`,
    );
    expect(queried.length).toBeGreaterThanOrEqual(2);
    const requests = [
      ...named.map((pathOf) => ({ pathOf, methods: METHODS })),
      ...queried.map((pathOf) => ({ pathOf, methods: ['GET', 'HEAD'] as const })),
    ];
    expect(named.length).toBeGreaterThanOrEqual(9);

    let compared = 0;
    for (const caller of CALLERS) {
      // One principal per side: each sees the same sequence of its own requests (rate-limit counters alike).
      const subject = (side: string) => `gmp-${caller.name.replace(' ', '-')}-${side}`;
      const credential = (side: string) => ({
        authorization: bearerFor({ role: caller.roles as Role[], agency: 'GMP', subject: subject(side) }),
      });
      for (const { pathOf, methods } of requests) {
        for (const method of methods) {
          const bodies =
            method === 'POST'
              ? BODIES
              : method === 'GET' || method === 'HEAD'
                ? BODIES.slice(0, 1)
                : BODIES.slice(0, 3);
          for (const { name, body, headers } of bodies) {
            const [existing, missing] = await Promise.all(
              (
                [
                  [EXISTING, 'a'],
                  [MISSING, 'b'],
                ] as const
              ).map(([id, side]) =>
                answerOf(api, method, pathOf(id), { ...credential(side), ...headers }, body),
              ),
            );
            expect({
              caller: caller.name,
              method,
              path: pathOf(EXISTING),
              body: name,
              ...(comparable(missing, MISSING, subject('b')) as object),
            }).toEqual({
              caller: caller.name,
              method,
              path: pathOf(EXISTING),
              body: name,
              ...(comparable(existing, EXISTING, subject('a')) as object),
            });
            compared += 1;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('still lets a recorder launch a new operation; only a launch of a taken id says it is taken', async () => {
    const gmp = { authorization: bearerFor({ role: 'recorder', agency: 'GMP' }) };
    const launch = (codename: string) => ({
      events: [
        {
          type: 'OperationLaunched',
          occurredAt: '2020-05-01T09:00:00Z',
          data: { codename, leadAgency: 'GMP', startedAt: '2020-05-01T09:00:00Z', description: 'x' },
        },
      ],
    });
    const taken = await api.fetch('POST', `/operations/${EXISTING}/events`, gmp, launch('ORCHID'));
    expect({ status: taken.status, body: JSON.parse(taken.text) as unknown }).toEqual({
      status: 409,
      body: {
        type: 'urn:operation-timeline:problem:operation.id-taken',
        title: 'Conflict',
        status: 409,
        detail: `Operation id ${EXISTING} is taken: launch a new operation under another id`,
        instance: `/operations/${EXISTING}/events`,
        code: 'operation.id-taken',
        operationId: EXISTING,
      },
    });
    const fresh = await api.fetch('POST', '/operations/orchid/events', gmp, launch('ORCHID'));
    expect(fresh.status).toBe(201);
    // An invalid launch of a free id gets its field errors, not a 404.
    const invalid = await api.fetch('POST', '/operations/orchid-2/events', gmp, {
      events: [{ type: 'OperationLaunched', occurredAt: '2020-05-01T09:00:00Z', data: {} }],
    });
    expect([invalid.status, (JSON.parse(invalid.text) as { code: string }).code]).toEqual([
      400,
      'request.invalid',
    ]);
  });
});
