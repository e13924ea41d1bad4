import type { AddressInfo } from 'node:net';
import { operationModel } from '@timeline/application';
import { DemoDataset, HttpSeedWriter, comparePicture, loadSubmissions } from '@timeline/demo-data';
import { apiClient } from './support/api-client';
import { tokenFor } from './support/auth.tokens';
import { startTestApp, type TestApp } from './support/test-app';

// The whole demo operation goes over HTTP, one request per submission.
jest.setTimeout(300_000);

describe('the demo operation loaded over HTTP', () => {
  let testApp: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    // One recording client per agency posts thousands of requests: lift the per-principal rate limit.
    testApp = await startTestApp({ model: operationModel as never, env: { RATE_LIMIT_REQUESTS: '1000000' } });
    await testApp.app.listen(0, '127.0.0.1');
    const { port } = testApp.app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('is accepted request by request, retries are acknowledged without writing, and the picture equals the generator’s totals', async () => {
    const dataset = new DemoDataset();
    const writer = new HttpSeedWriter(baseUrl, (agency, subject) =>
      tokenFor({ role: 'recorder', agency, subject }),
    );
    const report = await loadSubmissions(dataset, writer);
    const [expected] = dataset.expected().operations;
    expect(report.events).toBe(expected.events);
    expect(report.replayed).toBe(expected.retriedSubmissions);

    const api = apiClient(testApp.app);
    let picture = await api.as({ role: 'analyst', agency: 'NCA' }).get('/operations/venetic/picture');
    // The projection catches up with the log asynchronously: wait (bounded) until it reflects every event.
    for (let attempt = 0; attempt < 100 && picture.body?.asOf?.eventCount !== expected.events; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      picture = await api.as({ role: 'analyst', agency: 'NCA' }).get('/operations/venetic/picture');
    }
    expect(picture.status).toBe(200);
    expect(comparePicture(picture.body, expected)).toEqual([]);
    expect(picture.body.totals.cash.pence).toBe(expected.cashPence);
    expect(picture.body.totals.arrests).toBe(expected.arrests);
  });

  it('posting the same submissions again writes nothing: every one is acknowledged as a replay', async () => {
    const writer = new HttpSeedWriter(baseUrl, (agency, subject) =>
      tokenFor({ role: 'recorder', agency, subject }),
    );
    const firstSubmissions = function* () {
      let count = 0;
      for (const submission of new DemoDataset()) {
        if (count++ === 500) return;
        yield submission;
      }
    };
    const report = await loadSubmissions(firstSubmissions(), writer);
    expect(report).toMatchObject({ submissions: 500, events: 0, replayed: 500 });
  });
});
