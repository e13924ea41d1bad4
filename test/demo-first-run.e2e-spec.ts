import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DemoDataModule, DemoDataset, comparePicture } from '@timeline/demo-data';
import { createApp } from '../apps/api/src/app.factory';
import { readAuthConfiguration } from '../apps/api/src/auth/auth.config';
import { loadApiConfig } from '../apps/api/src/config/api.config';
import { apiClient } from './support/api-client';
import { testAuthEnvironment } from './support/auth.tokens';

jest.setTimeout(180_000);

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** The api as main.ts assembles it, with the first-run demo loader mounted. */
async function startWithDemo(dataDir: string): Promise<INestApplication> {
  const config = loadApiConfig({ LOG_LEVEL: 'error', DATA_DIR: dataDir });
  return createApp(config, {
    auth: readAuthConfiguration(testAuthEnvironment(), dataDir),
    logger: silent,
    imports: [DemoDataModule.forRoot({ loadOnEmptyStore: true })],
  });
}

async function pictureWhenCaughtUp(app: INestApplication, query: string, events: number) {
  const analyst = apiClient(app).as({ role: 'analyst', agency: 'NCA' });
  let response = await analyst.get(`/operations/venetic/picture${query}`);
  for (let attempt = 0; attempt < 100 && response.body?.asOf?.eventCount !== events; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    response = await analyst.get(`/operations/venetic/picture${query}`);
  }
  return response;
}

describe('first start on an empty store with the demo loader on', () => {
  let dataDir: string;
  let app: INestApplication | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'timeline-first-run-e2e-'));
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the demo operation’s picture as soon as it listens, and what was known on 13 June 2020', async () => {
    app = await startWithDemo(dataDir);
    const dataset = new DemoDataset();
    const knownAt = '2020-06-13T23:59:59.999Z';
    let knownThen = 0;
    for (const submission of dataset) {
      if (!submission.retry && submission.recordedAt <= knownAt) knownThen += submission.events.length;
    }
    const [expected] = dataset.expected().operations;

    const now = await pictureWhenCaughtUp(app, '', expected.events);
    expect(now.status).toBe(200);
    expect(comparePicture(now.body, expected)).toEqual([]);

    // Time travel over the demo's own recording times: late records of that week are not yet known.
    const then = await pictureWhenCaughtUp(app, `?knownAt=${knownAt}`, knownThen);
    expect(then.status).toBe(200);
    expect(then.body.asOf.eventCount).toBe(knownThen);
    expect(then.body.asOf.lastRecordedAt <= knownAt).toBe(true);
    expect(then.body.totals.raids.total).toBeLessThan(expected.raids);
  });

  it('a restart on the now populated store loads nothing more', async () => {
    await app!.close();
    app = await startWithDemo(dataDir);
    const [expected] = (() => {
      const dataset = new DemoDataset();
      for (const _ of dataset);
      return dataset.expected().operations;
    })();
    const picture = await pictureWhenCaughtUp(app, '', expected.events);
    expect(picture.body.asOf.eventCount).toBe(expected.events);
  });
});
