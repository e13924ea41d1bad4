import launchExample from '../events/catalogue/OperationLaunched/v1.example.json';
import joinExample from '../events/catalogue/AgencyJoined/v1.example.json';
import intelligenceV1Example from '../events/catalogue/IntelligenceReceived/v1.example.json';
import type { AddressInfo } from 'node:net';
import { createTimelineApiClient, type Schemas, type TimelineApiClient } from '@timeline/api-client';
import { startSecuredApp, type SecuredTestApp } from './support/auth.app';
import { tokenFor } from './support/auth.tokens';

/**
 * The typed client generated from the OpenAPI document (libs/api-client) against
 * the running api: recording, reading back and a refusal, with no hand-written
 * request code — what a dashboard built on it does.
 */
describe('the generated API client', () => {
  let api: SecuredTestApp;
  let baseUrl: string;
  let recorder: TimelineApiClient;
  let analyst: TimelineApiClient;
  let auditor: TimelineApiClient;

  beforeAll(async () => {
    api = await startSecuredApp({ RATE_LIMIT_REQUESTS: '100000' });
    baseUrl = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
    recorder = createTimelineApiClient({ baseUrl, token: tokenFor({ role: 'recorder', agency: 'NCA' }) });
    analyst = createTimelineApiClient({ baseUrl, token: () => tokenFor({ role: 'analyst', agency: 'NCA' }) });
    auditor = createTimelineApiClient({ baseUrl, token: tokenFor({ role: 'auditor', agency: 'NCA' }) });
  }, 60_000);

  afterAll(() => api?.close());

  it('records a batch, older schema versions included, and reads it back typed', async () => {
    const recorded = await recorder.POST('/operations/{operationId}/events', {
      params: { path: { operationId: 'venetic' } },
      body: {
        events: [
          {
            type: 'OperationLaunched',
            occurredAt: '2020-03-26T09:00:00Z',
            data: launchExample as Schemas['OperationLaunchedV1'],
          },
          {
            type: 'AgencyJoined',
            occurredAt: '2020-04-01T08:00:00Z',
            data: joinExample as Schemas['AgencyJoinedV1'],
          },
          {
            type: 'IntelligenceReceived',
            schemaVersion: 1,
            occurredAt: '2020-04-02T08:00:00Z',
            data: intelligenceV1Example as Schemas['IntelligenceReceivedV1'],
          },
        ],
      },
    });
    expect(recorded.response.status).toBe(201);
    expect(recorded.response.headers.get('etag')).toBe('"2"');
    expect(recorded.data?.events.map((event) => event.type)).toEqual([
      'OperationLaunched',
      'AgencyJoined',
      'IntelligenceReceived',
    ]);

    const timeline = await analyst.GET('/operations/{operationId}/timeline', {
      params: {
        path: { operationId: 'venetic' },
        query: { limit: 10, minPosition: recorded.data!.position, view: 'as-corrected' },
      },
    });
    expect(timeline.response.status).toBe(200);
    expect(timeline.data?.entries.map((entry) => [entry.type, entry.status])).toEqual([
      ['OperationLaunched', 'recorded'],
      ['AgencyJoined', 'recorded'],
      ['IntelligenceReceived', 'recorded'],
    ]);
    // Stored in the current version's shape, whatever version was sent.
    const history = await auditor.GET('/operations/{operationId}/events', {
      params: { path: { operationId: 'venetic' }, query: { direction: 'backwards', limit: 1 } },
    });
    expect(history.data?.events.map((event) => [event.type, event.schemaVersion])).toEqual([
      ['IntelligenceReceived', 2],
    ]);
    expect(history.data?.next).toEqual({ fromRevision: 1, href: expect.any(String) });
  });

  it('hands a refusal over as a typed problem document', async () => {
    const refused = await analyst.GET('/operations/{operationId}/picture', {
      params: { path: { operationId: 'venetic' }, query: { view: 'sideways' as 'as-recorded' } },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.error?.code).toBe('request.invalid-query');
    expect(refused.error?.errors?.map((error) => error.path)).toEqual(['view']);
  });
});
