import { EVENT_STORE, type EventStore } from '@timeline/event-store';
import { launch } from '@timeline/application/testing/record-events.fixtures';
import { apiClient, type ApiClient } from './support/api-client';
import { startTestApp, type TestApp } from './support/test-app';

const NCA = { role: 'recorder', agency: 'NCA' } as const;
const ADMIN = { role: 'admin', agency: 'NCA' } as const;
const ANALYST = { role: 'analyst', agency: 'NCA' } as const;

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  attempts = 100,
): Promise<T> {
  let value = await probe();
  for (let attempt = 1; attempt < attempts && !accept(value); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await probe();
  }
  return value;
}

describe('Health and metrics', () => {
  let test: TestApp;
  let api: ApiClient;
  let position: string;

  beforeAll(async () => {
    test = await startTestApp();
    api = apiClient(test.app);
    const launched = await api
      .as(NCA)
      .post('/operations/venetic/events')
      .send({ events: [launch()] });
    expect(launched.status).toBe(201);
    position = (launched.body as { position: string }).position;
    await api.as(ANALYST).get(`/operations/venetic/picture?minPosition=${position}`).expect(200);
  });

  afterAll(async () => {
    await test.close();
  });

  /** The projection's status once its (only) rebuild has ended, one way or the other. */
  const rebuildEnded = (name: string) =>
    eventually(
      () => api.as(ADMIN).get(`/projections/${name}`),
      (response) => (response.body as { lastRebuild: unknown }).lastRebuild !== null,
    );

  it('reports statuses only on /health without a credential, and the store and the projections at /health/details to admins', async () => {
    const response = await api.anonymous().get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: 'up',
      store: { status: 'up' },
      projections: { status: 'up' },
      transparency: { status: 'up' },
      decidedState: { status: 'up' },
    });
    const details = await api.as(ADMIN).get('/health/details');
    const body = details.body as {
      status: string;
      projections: { status: string; position: string; caughtUp: boolean };
    };
    expect(body.status).toBe('up');
    expect(body.projections).toMatchObject({ status: 'up', position, caughtUp: true });
    expect((await api.as(ANALYST).get('/health/details')).status).toBe(403);
    expect((await api.as(ADMIN).get('/health/details')).body).toMatchObject({
      status: 'up',
      projections: { position },
    });
  });

  it('serves Prometheus metrics to admins only, counting requests and applied events', async () => {
    expect((await api.as(ANALYST).get('/metrics')).status).toBe(403);
    const response = await api.as(ADMIN).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = response.text;
    expect(text).toContain('timeline_events_applied_total{type="OperationLaunched"} 1');
    expect(text).toContain(
      'timeline_http_requests_total{method="POST",route="/operations/:operationId/events",status="201"} 1',
    );
    expect(text).toContain(`timeline_projection_position ${position}`);
    expect(text).toContain('timeline_projection_healthy 1');
    expect(text).toContain('timeline_store_embedded{counter="eventsWritten"} 1');
    expect(text).toContain('timeline_store_embedded{counter="readAheadFailures"} 0');
  });

  it('rebuilds a projection on an admin’s request, answering from the old state meanwhile, and reports how it ended', async () => {
    const timelineBefore = await api.as(ANALYST).get('/operations/venetic/timeline').expect(200);
    expect((await api.as(ANALYST).post('/projections/timeline/rebuild')).status).toBe(403);
    const started = await api.as(ADMIN).post('/projections/timeline/rebuild');
    expect(started.status).toBe(202);
    expect(started.headers['location']).toBe('/projections/timeline');
    expect(started.body).toMatchObject({ name: 'timeline', status: 'running' });
    const done = await rebuildEnded('timeline');
    expect(done.body).toMatchObject({
      name: 'timeline',
      rebuilding: false,
      position,
      eventCount: 1,
      lastRebuild: { outcome: 'rebuilt', events: 1, position, error: null },
    });
    expect((await api.as(ANALYST).get('/operations/venetic/timeline').expect(200)).body).toEqual(
      timelineBefore.body,
    );
    const metrics = (await api.as(ADMIN).get('/metrics')).text;
    expect(metrics).toContain('timeline_projection_rebuilding{projection="timeline"} 0');
    expect(metrics).toContain('timeline_projection_last_rebuild_succeeded{projection="timeline"} 1');
    expect(metrics).not.toContain(
      'timeline_projection_last_rebuild_succeeded{projection="operational-picture"}',
    );
    const unknown = await api.as(ADMIN).post('/projections/no-such-projection/rebuild');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    expect(unknown.body).toMatchObject({ code: 'projections.unknown-projection' });
  });

  it('turns degraded, naming the event, when a projection cannot apply an event — it never skips it', async () => {
    const store = test.app.get<EventStore>(EVENT_STORE);
    // An event written around the api, without an envelope: the folds must refuse it, visibly.
    await store.append('operation-venetic', [
      {
        eventId: '0190f3a0-0000-7000-8000-00000000bad1',
        type: 'ArrestMade',
        data: { arrestId: 'X' },
        metadata: {},
      },
    ]);
    const health = await eventually(
      () => api.as(ADMIN).get('/health/details'),
      (response) => (response.body as { status: string }).status === 'degraded',
    );
    expect((await api.anonymous().get('/health')).body).toMatchObject({
      status: 'degraded',
      projections: { status: 'degraded' },
    });
    const body = health.body as {
      status: string;
      projections: {
        status: string;
        position: string;
        projections: { status: string; failure?: { eventId: string } }[];
      };
    };
    expect(health.status).toBe(200);
    expect(body.projections.status).toBe('degraded');
    expect(
      body.projections.projections.some(
        (projection) => projection.failure?.eventId === '0190f3a0-0000-7000-8000-00000000bad1',
      ),
    ).toBe(true);
    const metrics = await api.as(ADMIN).get('/metrics');
    expect(metrics.text).toContain('timeline_projection_healthy 0');

    // Rebuilding it meets the same event: the rebuild fails, visibly, and the projection stays as it was.
    expect((await api.as(ADMIN).post('/projections/operational-picture/rebuild')).status).toBe(202);
    const rebuild = await rebuildEnded('operational-picture');
    expect(rebuild.body).toMatchObject({
      status: 'failed',
      rebuilding: false,
      failure: { eventId: '0190f3a0-0000-7000-8000-00000000bad1' },
      lastRebuild: { outcome: 'failed', events: 1, error: { code: 'projections.malformed-stored-event' } },
    });
    expect((await api.as(ADMIN).get('/metrics')).text).toContain(
      'timeline_projection_last_rebuild_succeeded{projection="operational-picture"} 0',
    );
  });
});
