import type { LoggerService } from '@nestjs/common';
import { operationDecider, type OperationDecider } from '@timeline/domain';
import { EVENT_CATALOGUE, EVENT_TYPES, eventSchemaName } from '@timeline/events';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { ShutdownGate } from '../apps/api/src/http/shutdown.gate';
import { apiClient } from './support/api-client';
import { startTestApp, type TestApp } from './support/test-app';

// A busy machine (the suite shares two cores) must not turn slow start-ups into failures.
jest.setTimeout(60_000);

/** Keeps every log call, as the structured objects the app logs. */
class CollectingLogger implements LoggerService {
  readonly lines: { level: string; message: unknown; rest: unknown[] }[] = [];
  log(message: unknown, ...rest: unknown[]): void {
    this.lines.push({ level: 'log', message, rest });
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.lines.push({ level: 'error', message, rest });
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.lines.push({ level: 'warn', message, rest });
  }
}

const launch = {
  type: 'OperationLaunched',
  occurredAt: '2020-03-26T09:00:00Z',
  data: {
    codename: 'VENETIC',
    leadAgency: 'NCA',
    startedAt: '2020-03-26T09:00:00Z',
    description: 'EncroChat',
  },
};
const NCA = { role: 'recorder', agency: 'NCA' } as const;
const ADMIN = { role: 'admin', agency: 'NCA' } as const;

describe('The api foundation', () => {
  let test: TestApp;
  const logger = new CollectingLogger();
  /** The real decider, except that one operation id makes it fail like a bug would. */
  const faulty: OperationDecider = {
    ...operationDecider,
    decide: (command, state) => {
      if (command.operationId === 'buggy')
        throw new TypeError("Cannot read properties of undefined (reading 'raids')");
      return operationDecider.decide(command, state);
    },
  };

  beforeAll(async () => {
    test = await startTestApp({ logger, decider: faulty });
  });

  afterAll(async () => {
    await test.close();
  });

  it('reports health to admins: status, the store kind, its file and the head position', async () => {
    const api = apiClient(test.app);
    const before = await api.as(ADMIN).get('/health/details');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      status: 'up',
      store: { status: 'up', kind: 'sqlite', location: join(test.dataDir, 'events.db'), headPosition: null },
    });
    expect(
      (
        await api
          .as(NCA)
          .post('/operations/healthy/events')
          .send({ events: [launch] })
      ).status,
    ).toBe(201);
    const after = await api.as(ADMIN).get('/health/details');
    expect(after.body.store).toEqual({
      status: 'up',
      kind: 'sqlite',
      location: join(test.dataDir, 'events.db'),
      headPosition: '1',
    });
    // Admins only; without a credential, statuses only.
    expect((await api.as(NCA).get('/health/details')).status).toBe(403);
    expect((await api.anonymous().get('/health')).body.store).toEqual({ status: 'up' });
  });

  it('logs one structured line per request with its correlation id, and echoes the id', async () => {
    const response = await apiClient(test.app)
      .as(NCA)
      .post('/operations/logged/events')
      .set('X-Correlation-Id', 'trace-7f3k2')
      .send({ events: [launch] });
    expect(response.status).toBe(201);
    expect(response.headers['x-correlation-id']).toBe('trace-7f3k2');
    const lines = logger.lines.filter(
      (line) =>
        typeof line.message === 'object' &&
        (line.message as { correlationId?: string }).correlationId === 'trace-7f3k2',
    );
    expect(lines.length).toBe(1);
    expect(lines[0]).toEqual({
      level: 'log',
      message: {
        msg: 'request',
        method: 'POST',
        url: '/operations/logged/events',
        status: 201,
        durationMs: expect.any(Number),
        correlationId: 'trace-7f3k2',
      },
      rest: ['Http'],
    });
  });

  it('answers an unexpected failure with a generic 500 and logs it with the correlation id and stack', async () => {
    const response = await apiClient(test.app)
      .as(NCA)
      .post('/operations/buggy/events')
      .set('X-Correlation-Id', 'trace-bug')
      .send({ events: [launch] });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      type: 'urn:operation-timeline:problem:internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged',
      instance: '/operations/buggy/events',
      code: 'internal',
    });
    expect(response.text).not.toContain('raids');
    const errors = logger.lines.filter((line) => line.level === 'error');
    expect(errors).toEqual([
      {
        level: 'error',
        message: {
          msg: 'unexpected error',
          correlationId: 'trace-bug',
          method: 'POST',
          url: '/operations/buggy/events',
          error: "Cannot read properties of undefined (reading 'raids')",
        },
        rest: [expect.stringContaining('TypeError: Cannot read properties of undefined'), 'Problem'],
      },
    ]);
  });

  it('serves the OpenAPI document with every event type and its data schema', async () => {
    const api = apiClient(test.app).as({ role: 'analyst', agency: 'NCA' });
    const ui = await api.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
    const response = await api.get('/docs-json');
    expect(response.status).toBe(200);
    const document = response.body as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; items?: unknown }> };
    };
    expect(
      document.paths['/operations/{operationId}/events'].post.requestBody!.content['application/json'].schema,
    ).toEqual({
      $ref: '#/components/schemas/RecordEventsRequest',
    });
    const schemas = document.components.schemas;
    const variants = (
      schemas['RecordEventsRequest'].properties!['events'] as { items: { oneOf: { $ref: string }[] } }
    ).items.oneOf;
    // One variant per event type and schema version: an older version is documented as accepted.
    const accepted = EVENT_TYPES.flatMap((type) =>
      EVENT_CATALOGUE[type].versions.map(({ version }) => ({
        type,
        version,
        name: version === EVENT_CATALOGUE[type].currentVersion ? `Record${type}` : `Record${type}V${version}`,
      })),
    );
    expect(variants.map((variant) => variant.$ref)).toEqual(
      accepted.map(({ name }) => `#/components/schemas/${name}`),
    );
    expect(accepted.map(({ name }) => name)).toContain('RecordIntelligenceReceivedV1');
    for (const { type, version, name } of accepted) {
      const dataSchema = eventSchemaName(type, version);
      expect(schemas[name].properties!['data']).toEqual({
        $ref: `#/components/schemas/${dataSchema}`,
      });
      expect(schemas[name].properties!['schemaVersion']).toMatchObject({ const: version });
      expect(schemas[dataSchema]).toBeDefined();
    }
    expect(schemas['SeizureRecordedV1'].properties).toHaveProperty('drugs');
    expect(schemas['Problem'].properties).toHaveProperty('errors');
  });
});

describe('Shutdown', () => {
  it('turns new requests away with 503 from the first shutdown hook on', async () => {
    const test = await startTestApp();
    const gate = test.app.get(ShutdownGate);
    const api = apiClient(test.app);
    const server = test.app.getHttpServer();
    expect((await api.anonymous().get('/health')).status).toBe(200);
    const closing = jest.spyOn(gate, 'onModuleDestroy');
    // Closing the gate is what the first destroy hook does; do it by hand to look at the answer.
    gate.onModuleDestroy();
    const refused = await api
      .as(NCA)
      .post('/operations/late/events')
      .set('X-Correlation-Id', 'trace-late')
      .send({ events: [launch] });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.headers['connection']).toBe('close');
    expect(refused.headers['x-correlation-id']).toBe('trace-late');
    expect(refused.body).toEqual({
      type: 'urn:operation-timeline:problem:service.shutting-down',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The service is shutting down; retry against another instance or shortly',
      instance: '/operations/late/events',
      code: 'service.shutting-down',
    });
    closing.mockClear();
    await test.app.close();
    expect(closing).toHaveBeenCalledTimes(1);
    expect(server.listening).toBe(false);
    rmSync(test.dataDir, { recursive: true, force: true });
  });
});

// Its own app: Nest's logger is process-wide, so a second app inside the suite above would take over its log capture.
describe('Health details for admins only', () => {
  it('by default gives statuses only without a credential, and the reports to admins', async () => {
    const guarded = await startTestApp();
    try {
      const api = apiClient(guarded.app);
      const summary = await api.anonymous().get('/health');
      expect(summary.status).toBe(200);
      expect(summary.body).toEqual({
        status: 'up',
        store: { status: 'up' },
        projections: { status: 'up' },
        transparency: { status: 'up' },
        decidedState: { status: 'up' },
      });
      expect((await api.as(NCA).get('/health/details')).status).toBe(403);
      const details = await api.as(ADMIN).get('/health/details');
      expect(details.body).toMatchObject({
        status: 'up',
        store: {
          status: 'up',
          kind: 'sqlite',
          location: join(guarded.dataDir, 'events.db'),
          headPosition: null,
        },
      });
    } finally {
      await guarded.close();
    }
  });
});
