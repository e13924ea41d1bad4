import { EVENT_STORE, formatPosition, type EventStore } from '@timeline/event-store';
import type request from 'supertest';
import { apiClient, type ApiClient } from './support/api-client';
import { FixedClock, startTestApp, type TestApp } from './support/test-app';

// A busy machine (the suite shares two cores) must not turn slow start-ups into failures.
jest.setTimeout(60_000);

const PATH = '/operations/venetic/events';
const launch = {
  type: 'OperationLaunched',
  occurredAt: '2020-03-26T09:00:00Z',
  data: {
    codename: 'VENETIC',
    leadAgency: 'NCA',
    startedAt: '2020-03-26T09:00:00Z',
    description: 'UK response to EncroChat',
  },
};
const seizure = (drugs: unknown[]) => ({
  type: 'SeizureRecorded',
  occurredAt: '2020-06-15T07:00:00Z',
  data: { seizureId: 'SZ-1', seizedBy: 'NCA', postcodeDistrict: 'LL11', drugs },
});

/**
 * Every class of bad input gets its exact status and a problem document, and
 * changes nothing: the global log's head is the same after each of them.
 */
describe('Recording refuses bad input with a problem document and stores nothing', () => {
  let test: TestApp;
  let api: ApiClient;
  let store: EventStore;
  let head: string | null;
  const NCA = { role: 'recorder', agency: 'NCA' } as const;

  beforeAll(async () => {
    test = await startTestApp({
      clock: new FixedClock(new Date('2020-07-10T12:00:00.000Z')),
      env: { BODY_LIMIT_BYTES: '4096', MAX_BATCH_EVENTS: '5' },
    });
    api = apiClient(test.app);
    store = test.app.get<EventStore>(EVENT_STORE);
    const launched = await api
      .as(NCA)
      .post(PATH)
      .send({ events: [launch] });
    expect(launched.status).toBe(201);
    head = await headPosition();
  });

  afterAll(async () => {
    await test.close();
  });

  async function headPosition(): Promise<string | null> {
    const { headPosition: position } = await store.describe();
    return position === null ? null : formatPosition(position);
  }

  afterEach(async () => {
    expect(await headPosition()).toBe(head);
  });

  /** The response is a problem document with exactly these members (and `errors` when given). */
  function expectProblem(
    response: request.Response,
    status: number,
    code: string,
    detail: string,
    extra: Record<string, unknown> = {},
  ): void {
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect({ status: response.status, body: response.body as unknown }).toEqual({
      status,
      body: {
        type: `urn:operation-timeline:problem:${code}`,
        title: expect.any(String),
        status,
        detail,
        instance: (response as unknown as { req: { path: string } }).req.path,
        code,
        ...extra,
      },
    });
  }

  const fieldErrors = (errors: [string, string, string][]) => ({
    errors: errors.map(([path, constraint, message]) => ({ path, constraint, message })),
  });

  it('malformed JSON: 400', async () => {
    const response = await api
      .as(NCA)
      .post(PATH)
      .set('Content-Type', 'application/json')
      .send('{"events": [');
    expectProblem(response, 400, 'request.malformed-json', 'The request body is not valid JSON');
  });

  it('an empty JSON body: 400', async () => {
    const response = await api.as(NCA).post(PATH).set('Content-Type', 'application/json');
    expectProblem(response, 400, 'request.empty-body', 'The request body is empty; send a JSON object');
  });

  it.each([
    ['text/plain', 'hello'],
    ['application/x-www-form-urlencoded', 'events=1'],
    ['application/xml', '<events/>'],
  ])('a %s body: 415', async (contentType, payload) => {
    const response = await api.as(NCA).post(PATH).set('Content-Type', contentType).send(payload);
    expectProblem(
      response,
      415,
      'request.unsupported-media-type',
      'The request body must be JSON: send Content-Type: application/json',
    );
  });

  it.each([
    [
      { 'Content-Type': 'application/json; charset=utf-16' },
      'request.unsupported-charset',
      'The request body must be JSON in UTF-8: send charset=utf-8 or no charset',
    ],
    [
      { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      'request.unsupported-encoding',
      'The request body must not be compressed: send it without Content-Encoding',
    ],
  ])('a body the api would read wrongly (%j): 415', async (headers, code, detail) => {
    const response = await api
      .as(NCA)
      .post(PATH)
      .set(headers)
      .send(JSON.stringify({ events: [launch] }));
    expectProblem(response, 415, code, detail);
  });

  it('a body over the configured limit: 413 naming the limit', async () => {
    const response = await api
      .as(NCA)
      .post(PATH)
      .send({ events: [{ ...launch, data: { ...launch.data, description: 'x'.repeat(5000) } }] });
    expectProblem(
      response,
      413,
      'request.body-too-large',
      'The request body exceeds the limit of 4096 bytes',
    );
  });

  it('more events than MAX_BATCH_EVENTS: 400', async () => {
    const response = await api
      .as(NCA)
      .post(PATH)
      .send({ events: Array.from({ length: 6 }, () => launch) });
    expectProblem(
      response,
      400,
      'request.invalid',
      'The request has invalid fields',
      fieldErrors([['events', 'arrayMaxSize', 'events must hold at most 5 events; got 6']]),
    );
  });

  it.each([
    ['not an object', [1, 2], [['', 'isObject', 'the body must be a JSON object with an "events" array']]],
    ['no events', {}, [['events', 'isDefined', 'events is required']]],
    [
      'events that are not an array',
      { events: {} },
      [['events', 'isArray', 'events must be an array of events']],
    ],
    ['an empty batch', { events: [] }, [['events', 'arrayMinSize', 'events must hold at least one event']]],
    [
      'an event that is not an object',
      { events: ['OperationLaunched'] },
      [['events[0]', 'isObject', 'each event must be a JSON object']],
    ],
    [
      'an unknown type',
      { events: [{ ...launch, type: 'OperationCancelled' }] },
      [
        [
          'events[0].type',
          'isKnownEventType',
          'unknown event type "OperationCancelled"; known types: OperationLaunched, AgencyJoined, EncryptionCracked, IntelligenceReceived, ' +
            'IntelligenceDisseminated, OrganisedCrimeGroupIdentified, RaidConducted, ArrestMade, ChargeBrought, ChargeOutcomeRecorded, SeizureRecorded, ' +
            'ThreatToLifeMitigated, EventCorrected, EventRetracted, OperationalPhaseEnded, OperationClosed',
        ],
      ],
    ],
    [
      'server-owned and unknown fields, in the body and in an event',
      {
        events: [{ ...launch, recordedBy: 'someone-else', agency: 'GMP', streamRevision: 0, hash: 'f00' }],
        position: 3,
      },
      [
        ['position', 'whitelistValidation', 'position should not exist'],
        ['events[0].recordedBy', 'whitelistValidation', 'recordedBy should not exist'],
        ['events[0].agency', 'whitelistValidation', 'agency should not exist'],
        ['events[0].streamRevision', 'whitelistValidation', 'streamRevision should not exist'],
        ['events[0].hash', 'whitelistValidation', 'hash should not exist'],
      ],
    ],
    [
      'a recording time, in the body and in an event: the server sets it',
      {
        events: [{ ...launch, recordedAt: '2020-03-26T09:00:00Z' }],
        recordedAt: '2020-03-26T09:00:00Z',
      },
      [
        ['recordedAt', 'whitelistValidation', 'recordedAt should not exist'],
        ['events[0].recordedAt', 'whitelistValidation', 'recordedAt should not exist'],
      ],
    ],
    [
      'an unknown field in the data',
      { events: [{ ...launch, data: { ...launch.data, budgetPence: 100 } }] },
      [['events[0].data.budgetPence', 'whitelistValidation', 'budgetPence should not exist']],
    ],
    [
      'a missing data field',
      { events: [{ ...launch, data: { ...launch.data, codename: undefined } }] },
      [['events[0].data.codename', 'isDefined', 'codename is required']],
    ],
    [
      'missing data',
      { events: [{ type: 'OperationLaunched', occurredAt: '2020-03-26T09:00:00Z' }] },
      [['events[0].data', 'isDefined', 'data is required']],
    ],
    [
      'an occurredAt in the future',
      { events: [{ ...launch, occurredAt: '2020-07-11T12:00:00Z' }] },
      [['events[0].occurredAt', 'notInFuture', 'occurredAt must not lie in the future']],
    ],
    [
      'an occurredAt that is not a string',
      { events: [{ ...launch, occurredAt: 1592199000 }] },
      [
        [
          'events[0].occurredAt',
          'isString',
          'occurredAt must be a string (a UTC timestamp such as 2020-06-13T05:30:00Z)',
        ],
      ],
    ],
    [
      'an event without type or occurredAt',
      { events: [{ data: launch.data }] },
      [
        ['events[0].type', 'isDefined', 'type is required'],
        ['events[0].occurredAt', 'isDefined', 'occurredAt is required'],
      ],
    ],
    [
      'an expected revision sent as text',
      { events: [launch], expectedRevision: '3' },
      [['expectedRevision', 'isInt', 'expectedRevision must be an integer']],
    ],
    ...['yesterday', '2020-02-30T10:00:00Z', '2020-06-15 05:30', '2020-06-15T05:30:00+01:00'].map(
      (occurredAt): [string, unknown, string[][]] => [
        `an unparsable occurredAt ${JSON.stringify(occurredAt)}`,
        { events: [{ ...launch, occurredAt }] },
        [
          [
            'events[0].occurredAt',
            'isUtcTimestamp',
            'occurredAt must be a UTC timestamp such as 2020-06-13T05:30:00Z',
          ],
        ],
      ],
    ),
    [
      'an event id that is not a UUID',
      { events: [{ ...launch, eventId: 'event-1' }] },
      [['events[0].eventId', 'isUuid', 'eventId must be a UUID']],
    ],
    [
      'the same event id twice in one request',
      {
        events: [
          { ...launch, eventId: '00000000-0000-4000-8000-000000000001' },
          { ...launch, eventId: '00000000-0000-4000-8000-000000000001' },
        ],
      },
      [['events[1].eventId', 'unique', 'eventId is used twice in this request']],
    ],
    [
      'an unknown classification',
      { events: [{ ...launch, classification: 'SECRET' }] },
      [['events[0].classification', 'isIn', 'classification must be one of: OFFICIAL, OFFICIAL-SENSITIVE']],
    ],
    [
      'an unknown schema version',
      { events: [{ ...launch, schemaVersion: 7 }] },
      [
        [
          'events[0].schemaVersion',
          'isSupportedSchemaVersion',
          'OperationLaunched has schema versions 1 to 1; 7 is not one of them',
        ],
      ],
    ],
    [
      'a negative expected revision',
      { events: [launch], expectedRevision: -2 },
      [['expectedRevision', 'min', 'expectedRevision must be an integer, -1 or more']],
    ],
    [
      'a wrong unit for a drug and a wrong enum',
      {
        events: [
          seizure([{ drugType: 'cocaine', quantity: 2, unit: 'plants', purity: { testStatus: 'guessed' } }]),
        ],
      },
      [
        ['events[0].data.drugs[0].unit', 'unitOfDrugType', expect.any(String)],
        ['events[0].data.drugs[0].purity.testStatus', 'isIn', expect.any(String)],
      ],
    ],
  ] as [string, unknown, unknown[][]][])('%s: 400 with field errors', async (_name, payload, errors) => {
    const response = await api
      .as(NCA)
      .post(PATH)
      .send(payload as object);
    expectProblem(
      response,
      400,
      'request.invalid',
      'The request has invalid fields',
      fieldErrors(errors as [string, string, string][]),
    );
  });

  const raidJson = (officers: string) =>
    '{"events":[{"type":"RaidConducted","occurredAt":"2020-06-15T05:30:00Z","data":{"raidId":"RAID-1","force":"NCA",' +
    '"postcodeDistrict":"LL11","legalPower":"mda-s23-warrant","startedAt":"2020-06-15T05:30:00Z",' +
    `"endedAt":"2020-06-15T06:30:00Z",${officers}}}]}`;

  it.each([
    ['"officers":-1,"officers":24', 'officers'],
    // An escape names the same key.
    ['"officers":24,"\\u006ffficers":24', 'officers'],
  ])('a key given twice in one object (%s): 400 naming it', async (officers, key) => {
    const response = await api
      .as(NCA)
      .post(PATH)
      .set('Content-Type', 'application/json')
      .send(raidJson(officers));
    expectProblem(
      response,
      400,
      'request.duplicate-key',
      'The request body gives a key twice in one object; JSON leaves the meaning open, so send each key once',
      fieldErrors([[`events[0].data.${key}`, 'uniqueKey', `${key} is given more than once`]]),
    );
  });

  it.each([
    [
      '{"events":[{"type":"OperationLaunched","__proto__":{"x":1}}]}',
      [['events[0].__proto__', 'notPrototypeKey', '__proto__ is not accepted as a key']],
    ],
    [
      '{"constructor":{"prototype":{"x":1}},"events":[]}',
      [
        ['constructor', 'notPrototypeKey', 'constructor is not accepted as a key'],
        ['constructor.prototype', 'notPrototypeKey', 'prototype is not accepted as a key'],
      ],
    ],
    [
      '{"events":[{"data":{"constructor":1}}]}',
      [['events[0].data.constructor', 'notPrototypeKey', 'constructor is not accepted as a key']],
    ],
  ] as [string, [string, string, string][]][])(
    'a prototype key (%s): 400 saying so, not "malformed"',
    async (body, errors) => {
      const response = await api.as(NCA).post(PATH).set('Content-Type', 'application/json').send(body);
      expectProblem(
        response,
        400,
        'request.forbidden-key',
        'The request body holds a prototype key (__proto__, constructor or prototype); no field is called that',
        fieldErrors(errors),
      );
    },
  );

  const raid = {
    type: 'RaidConducted',
    occurredAt: '2020-06-15T05:30:00Z',
    data: {
      raidId: 'RAID-1',
      force: 'NCA',
      postcodeDistrict: 'LL11',
      legalPower: 'mda-s23-warrant',
      startedAt: '2020-06-15T05:30:00Z',
      endedAt: '2020-06-15T06:30:00Z',
      officers: 24,
    },
  };
  const cash = (amountPence: unknown) => ({
    ...seizure([]),
    data: {
      seizureId: 'SZ-1',
      seizedBy: 'NCA',
      postcodeDistrict: 'LL11',
      cash: [{ amountPence, power: 'pace-s19' }],
    },
  });

  it.each([
    [
      'officers as text',
      { ...raid, data: { ...raid.data, officers: '24' } },
      'data.officers',
      'isInt',
      'officers must be an integer',
    ],
    ...(['4275000', true, [1], { $gt: 0 }] as unknown[]).map(
      (amount): [string, unknown, string, string, string] => [
        `amountPence ${JSON.stringify(amount)}`,
        cash(amount),
        'data.cash[0].amountPence',
        'isInt',
        'amountPence must be an integer',
      ],
    ),
    [
      'a missing raidId',
      { ...raid, data: { ...raid.data, raidId: undefined } },
      'data.raidId',
      'isDefined',
      'raidId is required',
    ],
    [
      'a missing officers',
      { ...raid, data: { ...raid.data, officers: undefined } },
      'data.officers',
      'isDefined',
      'officers is required',
    ],
  ])(
    '%s: the first rule it breaks (presence, type, format, range)',
    async (_name, event, path, constraint, message) => {
      const response = await api
        .as(NCA)
        .post(PATH)
        .send({ events: [event] });
      expectProblem(
        response,
        400,
        'request.invalid',
        'The request has invalid fields',
        fieldErrors([[`events[0].${path}`, constraint, message]]),
      );
    },
  );

  it('v1-shaped IntelligenceReceived data without schemaVersion: a hint naming version 1', async () => {
    const v1 = {
      reportRef: 'INT-1',
      fromAgency: 'FR-GN',
      grading: '2/B/C',
      handlingConditions: 'Share with NWP only',
      priority: 'HIGH',
      threatToLife: false,
      subjects: [],
      region: 'wales',
    };
    const event = { type: 'IntelligenceReceived', occurredAt: '2020-06-15T05:30:00Z', data: v1 };
    const response = await api
      .as(NCA)
      .post(PATH)
      .send({ events: [event] });
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toEqual({
      path: 'events[0].schemaVersion',
      constraint: 'olderSchemaVersion',
      message:
        'the data is valid IntelligenceReceived schema version 1, not version 2: ' +
        'send "schemaVersion": 1 (it is upcast on write) or the version 2 shape (events/README.md)',
    });
    // Named as the current version, the same hint.
    const asCurrent = await api
      .as(NCA)
      .post(PATH)
      .send({ events: [{ ...event, schemaVersion: 2 }] });
    expect(asCurrent.body.errors[0]).toEqual(response.body.errors[0]);
    // With the version named, the same data is accepted (upcast) as far as validation goes.
    const named = await api
      .as(NCA)
      .post(PATH)
      .send({ events: [{ ...event, schemaVersion: 1 }], expectedRevision: 99 });
    expect(named.status).toBe(409);
    expect(named.body.code).toBe('operation.revision-conflict');
  });

  it('refusals before routing are problem documents too: a path parameter over 100 characters, a bad escape', async () => {
    const long = await api
      .as(NCA)
      .post(`/operations/${'a'.repeat(101)}/events`)
      .send({ events: [launch] });
    expectProblem(
      long,
      414,
      'request.path-too-long',
      'A segment of the request path is longer than 100 characters; no identifier of this api is that long',
    );
    const escape = await api
      .as(NCA)
      .post('/operations/%E0%A4%A/events')
      .send({ events: [launch] });
    expectProblem(
      escape,
      400,
      'request.malformed-path',
      'The request path is not a valid URL component (malformed percent-encoding)',
    );
  });

  it('a request line or headers over 16 KiB: 431 as a problem document', async () => {
    const response = await api.as(NCA).get(`/operations/venetic/picture?x=${'a'.repeat(20_000)}`);
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toEqual({
      type: 'urn:operation-timeline:problem:request.headers-too-large',
      title: 'Request Header Fields Too Large',
      status: 431,
      detail: 'The request line and headers exceed the size the server reads (16 KiB)',
      instance: '',
      code: 'request.headers-too-large',
    });
  });

  it('an operation id that is not a safe identifier: 400', async () => {
    const response = await api
      .as(NCA)
      .post('/operations/venetic%20drop/events')
      .send({ events: [launch] });
    expectProblem(
      response,
      400,
      'request.invalid',
      'The request has invalid fields',
      fieldErrors([
        [
          'operationId',
          'pattern',
          'operationId must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit',
        ],
      ]),
    );
  });

  it('a malformed If-Match or Idempotency-Key: 400', async () => {
    const ifMatch = await api
      .as(NCA)
      .post(PATH)
      .set('If-Match', 'revision 3')
      .send({ events: [launch] });
    expectProblem(
      ifMatch,
      400,
      'request.invalid',
      'The request has invalid fields',
      fieldErrors([['If-Match', 'isRevisionEtag', 'If-Match must be the ETag of a revision, e.g. "5"']]),
    );
    const key = await api
      .as(NCA)
      .post(PATH)
      .set('Idempotency-Key', 'k'.repeat(256))
      .send({ events: [launch] });
    expect(key.status).toBe(400);
    expect(key.body.errors).toEqual([
      {
        path: 'Idempotency-Key',
        constraint: 'matches',
        message: 'Idempotency-Key must be 1 to 255 printable ASCII characters',
      },
    ]);
  });

  it('a broken invariant: 409 or 422 with the rule code and where it applies', async () => {
    const twice = await api
      .as(NCA)
      .post(PATH)
      .send({ events: [launch] });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({
      type: 'urn:operation-timeline:problem:operation.already-launched',
      code: 'operation.already-launched',
      eventIndex: 0,
      eventType: 'OperationLaunched',
    });
    const raid = await api
      .as(NCA)
      .post(PATH)
      .send({
        events: [
          {
            type: 'RaidConducted',
            occurredAt: '2020-06-15T05:30:00Z',
            data: {
              raidId: 'RAID-1',
              force: 'NCA',
              postcodeDistrict: 'LL11',
              legalPower: 'mda-s23-warrant',
              startedAt: '2020-06-15T05:30:00Z',
              endedAt: '2020-06-15T04:00:00Z',
              officers: 3,
            },
          },
        ],
      });
    expect(raid.status).toBe(422);
    expect(raid.body).toMatchObject({
      status: 422,
      title: 'Unprocessable Content',
      code: 'operation.raid-ends-before-start',
      eventIndex: 0,
    });
  });

  it('an unknown route: 404; a known path with another method: 405 with Allow', async () => {
    const unknown = await api
      .as(NCA)
      .post('/operations/venetic/evnts')
      .send({ events: [launch] });
    expectProblem(unknown, 404, 'http.not-found', 'Cannot POST /operations/venetic/evnts');
    const put = await api
      .as(NCA)
      .put(PATH)
      .send({ events: [launch] });
    expect(put.headers['allow']).toBe('GET, HEAD, POST');
    expectProblem(put, 405, 'http.method-not-allowed', 'PUT is not allowed here; allowed: GET, HEAD, POST');
  });

  it('no credential: 401 with a challenge', async () => {
    const response = await apiClient(test.app)
      .anonymous()
      .post(PATH)
      .send({ events: [launch] });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="operation-timeline"');
    expect(response.body.code).toBe('auth.token-missing');
  });

  it('hundreds of hostile bodies: only 4xx, never a stack trace, nothing stored', async () => {
    const shapes: unknown[] = [
      null,
      true,
      0,
      'x',
      [],
      [{}],
      { events: null },
      { events: {} },
      { events: [null] },
      { events: [[]] },
    ];
    const mutations: ((event: Record<string, unknown>) => unknown)[] = [
      (event) => ({ ...event, type: 42 }),
      (event) => ({ ...event, data: [] }),
      (event) => ({ ...event, data: 'string' }),
      (event) => ({ ...event, data: { __proto__: { polluted: true } } }),
      (event) => ({ ...event, data: { ...(event['data'] as object), constructor: { prototype: {} } } }),
      (event) => ({ ...event, occurredAt: null }),
      (event) => ({ ...event, occurredAt: '9999-12-31T23:59:59Z' }),
      (event) => ({ ...event, eventId: 12 }),
      (event) => ({ ...event, causationId: {} }),
      (event) => ({ ...event, correlationId: 'a b' }),
      (event) => ({ ...event, schemaVersion: '1' }),
      (event) => ({ ...event, data: nest(50) }),
    ];
    const bodies: string[] = [
      ...shapes.map((shape) => JSON.stringify(shape)),
      ...mutations.map((mutate) => JSON.stringify({ events: [mutate(launch)] })),
      ...mutations.flatMap((mutate) =>
        ['RaidConducted', 'SeizureRecorded', 'EventCorrected'].map((type) =>
          JSON.stringify({ events: [mutate({ ...launch, type })] }),
        ),
      ),
      '{"events":[{"type":"OperationLaunched","__proto__":{"x":1}}]}',
      '{"constructor":{"prototype":{"x":1}},"events":[]}',
      '\u0000',
      '{"events": [' + '{"type":"X"},'.repeat(300) + '{}]}',
      'null',
      '"events"',
    ];
    for (let index = 0; index < 300; index += 1)
      bodies.push(JSON.stringify({ events: [randomJson(index, 4)] }));
    const statuses = new Map<number, number>();
    for (const payload of bodies) {
      const response = await api.as(NCA).post(PATH).set('Content-Type', 'application/json').send(payload);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.text).not.toMatch(/\n\s+at /);
    }
    expect([...statuses.keys()].every((status) => [400, 409, 413, 422].includes(status))).toBe(true);
  });
});

function nest(depth: number): unknown {
  return depth === 0 ? 'leaf' : { child: nest(depth - 1) };
}

/** A deterministic pseudo-random JSON value (a tiny linear congruential generator per seed). */
function randomJson(seed: number, depth: number): unknown {
  let state = seed * 2654435761 + 1;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const keys = [
    'type',
    'occurredAt',
    'data',
    'eventId',
    'drugs',
    'quantity',
    'unit',
    'raidId',
    'agency',
    'x',
  ];
  const values = (level: number): unknown => {
    const choice = next();
    if (level === 0 || choice < 0.3)
      return [null, 1, -1, 1e308, 'OperationLaunched', '', 'kg', true][Math.floor(next() * 8)];
    if (choice < 0.5) return Array.from({ length: Math.floor(next() * 4) }, () => values(level - 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(next() * 5) }, () => [
        keys[Math.floor(next() * keys.length)],
        values(level - 1),
      ]),
    );
  };
  return values(depth);
}
