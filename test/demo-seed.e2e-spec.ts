import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DemoDataset,
  HttpSeedWriter,
  batchSubmissions,
  comparePicture,
  loadSubmissions,
  retriedEventIds,
} from '@timeline/demo-data';
import { runCli } from '../apps/cli/src/cli';
import type { CliContext } from '../apps/cli/src/cli-command';
import { apiClient } from './support/api-client';
import { tokenFor } from './support/auth.tokens';
import { startTestApp, type TestApp } from './support/test-app';

// The whole demo operation goes over HTTP, each agency's submissions gathered into batched requests.
jest.setTimeout(300_000);

describe('the demo operation loaded over HTTP', () => {
  let testApp: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    // The api's own limits: 100 events per request, 600 requests per principal a minute.
    testApp = await startTestApp();
    await testApp.app.listen(0, '127.0.0.1');
    const { port } = testApp.app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('is accepted batch by batch within the rate limit, retries are acknowledged without writing, and the picture equals the generator’s totals', async () => {
    const dataset = new DemoDataset();
    let rateLimited = 0;
    const writer = new HttpSeedWriter(
      baseUrl,
      (agency, subject) => tokenFor({ role: 'recorder', agency, subject }),
      fetch,
      { maxRateLimitWaits: 30, onRateLimited: () => (rateLimited += 1) },
    );
    const report = await loadSubmissions(
      batchSubmissions(dataset, retriedEventIds(new DemoDataset())),
      writer,
    );
    expect(rateLimited).toBe(0);
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
        // Unbatched, one request each: few enough to stay within the per-principal rate limit.
        if (count++ === 200) return;
        yield submission;
      }
    };
    const report = await loadSubmissions(firstSubmissions(), writer);
    expect(report).toMatchObject({ submissions: 200, events: 0, replayed: 200 });
  });

  it('replays an export an auditor took over HTTP, withheld reports included, to the picture the server shows that auditor', async () => {
    // NWP is named by none of the demo's handling conditions: many C-coded reports are withheld from it.
    const auditor = tokenFor({ role: 'auditor', agency: 'NWP' });
    const exported = await fetch(`${baseUrl}/operations/venetic/export`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(exported.status).toBe(200);
    const text = await exported.text();
    expect((text.match(/"withheld":true/g) ?? []).length).toBeGreaterThan(100);
    const dir = mkdtempSync(join(tmpdir(), 'timeline-auditor-'));
    try {
      writeFileSync(join(dir, 'venetic.ndjson'), text);
      const output = { out: '', err: '' };
      const context: CliContext = {
        out: (chunk) => (output.out += chunk),
        err: (chunk) => (output.err += chunk),
        env: {},
        cwd: dir,
        now: () => new Date(),
        user: 'auditor-nwp',
        software: { name: 'operation-timeline', version: '0.1.0' },
        openStore: () => Promise.reject(new Error('the export is replayed, not the store')),
        progress: () => ({ update: () => undefined, stop: () => undefined }),
        fetch: (...args) => fetch(...args),
      };
      const replay = (extra: string[]) =>
        runCli(['replay', '--from-export', 'venetic.ndjson', '--operation', 'venetic', ...extra], context);

      expect(await replay([])).toBe(0);
      const picture = JSON.parse(output.out);
      expect(picture.totals.intelligence.withheld).toBeGreaterThan(100);

      output.out = '';
      expect(await replay(['--compare', baseUrl, '--token', auditor])).toBe(0);
      expect(output.out).toMatch(/^EQUAL: the replayed picture \(\d+ events, up to position \d+\) equals /);

      // Another agency's view is not this export's: the comparison says where they differ.
      output.out = '';
      expect(
        await replay(['--compare', baseUrl, '--token', tokenFor({ role: 'auditor', agency: 'NCA' })]),
      ).toBe(1);
      expect(output.out).toMatch(/^DIFFERENT: /);
      expect(output.out).toMatch(/\n {2}\$\.\S*\.intelligence\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
