import AxeBuilder from '@axe-core/playwright';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import {
  DEMO_OPERATION,
  figuresOf,
  figuresOn,
  launchChromium,
  openDashboard,
  startDemoApi,
  type DemoApi,
  type Picture,
} from './support/dashboard-harness';
import { createApp } from '../../apps/api/src/app.factory';
import { readAuthConfiguration } from '../../apps/api/src/auth/auth.config';
import { loadApiConfig } from '../../apps/api/src/config/api.config';

/**
 * The dashboard in headless Chromium over the api with the demo operation (README "The
 * dashboard"): what it shows is what the api answers, live pushes move it by exactly what
 * was recorded, a dropped connection resumes without a gap, time travel, accessibility.
 */
jest.setTimeout(240_000);

const analystNca = { role: 'analyst', agency: 'NCA' } as const;
const auditorNwp = { role: 'auditor', agency: 'NWP' } as const;
const recorderNca = { role: 'recorder', agency: 'NCA' } as const;
const PICTURE = `/operations/${DEMO_OPERATION}/picture`;

let api: DemoApi;
let browser: Browser;
const sockets = new Set<Socket>();
let reference = 0;

beforeAll(async () => {
  api = await startDemoApi();
  api.app.getHttpServer().on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

interface Recorded {
  readonly eventId: string;
  readonly position: string;
}

async function record(type: string, data: Record<string, unknown>): Promise<Recorded> {
  const response = await api.request<{ events: Recorded[] }>(
    recorderNca,
    'POST',
    `/operations/${DEMO_OPERATION}/events`,
    {
      events: [{ type, occurredAt: '2020-06-20T10:00:00Z', data }],
    },
  );
  expect(response.status).toBe(201);
  return response.body.events[0];
}

const threatToLife = () =>
  record('ThreatToLifeMitigated', {
    ttlId: `TTL-BROWSER-${++reference}`,
    action: 'warning-notice',
    force: 'NCA',
  });

/** The event ids in the page's "Just recorded" list, oldest first. */
async function recentOn(page: Page): Promise<string[]> {
  const ids = await page.$$eval('[data-list="recent"] li', (items) =>
    items.map((item) => item.getAttribute('data-event-id')!),
  );
  return ids.reverse();
}

async function waitForRecent(page: Page, eventIds: readonly string[]): Promise<void> {
  // A function, not a string: the page's CSP forbids evaluating strings. Runs in the page, where
  // `document` is (the tests' tsconfig has no DOM types).
  type Items = ArrayLike<{ getAttribute(name: string): string | null }>;
  await page.waitForFunction(
    (wanted: string[]) => {
      const { document } = globalThis as unknown as {
        document: { querySelectorAll(selector: string): Items };
      };
      const items = document.querySelectorAll('[data-list="recent"] li');
      const shown = new Set(Array.from(items, (item) => item.getAttribute('data-event-id')));
      return wanted.every((id) => shown.has(id));
    },
    [...eventIds],
  );
}

async function waitForSelectedOperationText(page: Page, text: string): Promise<void> {
  type Select = { selectedOptions: ArrayLike<{ textContent: string | null }> };
  await page.waitForFunction((wanted: string) => {
    const { document } = globalThis as unknown as {
      document: { querySelector(selector: string): Select | null };
    };
    const chosen = document.querySelector('.operation-choice select')?.selectedOptions[0];
    return chosen?.textContent?.includes(wanted) === true;
  }, text);
}

async function waitForEventCount(page: Page, count: number): Promise<void> {
  await page.waitForSelector(`[data-event-count="${count}"]`);
}

describe('the dashboard', () => {
  it('shows the api’s picture of the demo operation, for two roles of two agencies', async () => {
    for (const principal of [analystNca, auditorNwp]) {
      const page = await openDashboard(browser, api.baseUrl, principal);
      const { body: picture } = await api.request<Picture>(principal, 'GET', PICTURE);
      await waitForEventCount(page, picture.asOf.eventCount);
      expect(await figuresOn(page)).toEqual(figuresOf(picture));
      // Every agency and region of the breakdowns, each row's raids as the api counts them.
      for (const [table, rows] of [
        ['by-agency', picture.byAgency],
        ['by-region', picture.byRegion],
      ] as const) {
        const shown = await page.$$eval(`[data-table="${table}"] tbody tr`, (trs) =>
          trs.map((tr) => [
            tr.getAttribute('data-row'),
            tr.querySelector('[data-cell="raids"]')!.textContent,
          ]),
        );
        expect(Object.fromEntries(shown)).toEqual(
          Object.fromEntries(
            Object.entries(rows).map(([key, totals]) => [key, totals.raids.total.toLocaleString('en-GB')]),
          ),
        );
      }
      // Handling code C: what this agency may not see is said to be withheld, with the api's count.
      const note = await page.textContent('[data-figure="intelligence"] .note');
      expect(note).toBe(
        `${picture.totals.intelligence.withheld.toLocaleString('en-GB')} withheld (handling code C)`,
      );
      await page.context().close();
    }
  });

  it('shows an event recorded over the api, and its figures move by exactly its contribution', async () => {
    const page = await openDashboard(browser, api.baseUrl, analystNca);
    const { body: before } = await api.request<Picture>(analystNca, 'GET', PICTURE);
    await waitForEventCount(page, before.asOf.eventCount);
    const figuresBefore = await figuresOn(page);
    const seizure = await record('SeizureRecorded', {
      seizureId: `SZ-BROWSER-${++reference}`,
      seizedBy: 'NCA',
      postcodeDistrict: 'LL11',
      drugs: [{ drugType: 'cocaine', quantity: 1.25, unit: 'kg', purity: { testStatus: 'untested' } }],
      firearms: [{ category: 's5-prohibited', count: 2, rounds: 17 }],
      cash: [{ amountPence: 1234567, power: 'poca-s294' }],
    });
    await waitForRecent(page, [seizure.eventId]);
    await waitForEventCount(page, before.asOf.eventCount + 1);
    // The operation selector beside the header follows the live count too.
    await waitForSelectedOperationText(
      page,
      `${(before.asOf.eventCount + 1).toLocaleString('en-GB')} events`,
    );
    const figuresAfter = await figuresOn(page);
    expect(figuresAfter).toEqual({
      ...figuresBefore,
      cash: figuresBefore.cash + 1234567,
      'drugs-kg': expect.closeTo(figuresBefore['drugs-kg'] + 1.25, 6),
      firearms: figuresBefore.firearms + 2,
      rounds: figuresBefore.rounds + 17,
    });
    const { body: after } = await api.request<Picture>(analystNca, 'GET', PICTURE);
    expect(figuresAfter).toEqual(figuresOf(after));
    await page.context().close();
  });

  it('resumes a dropped live connection with Last-Event-ID: nothing missed, nothing twice', async () => {
    const page = await openDashboard(browser, api.baseUrl, analystNca);
    await page.waitForSelector('[data-live-state="live"]');
    const recorded = [await threatToLife(), await threatToLife()];
    await waitForRecent(
      page,
      recorded.map(({ eventId }) => eventId),
    );

    // The connection drops (a proxy, a network change): every socket of the api is cut, and the
    // browser stays off the network until the events below are recorded.
    await page.context().setOffline(true);
    for (const socket of sockets) socket.destroy();
    await page.waitForSelector('[data-live-state="reconnecting"], [data-live-state="connecting"]');
    // Recorded while the page is disconnected: they reach it only through the resumed feed.
    for (let i = 0; i < 3; i++) recorded.push(await threatToLife());
    await page.context().setOffline(false);
    await page.waitForSelector('[data-live-state="live"]');
    for (let i = 0; i < 2; i++) recorded.push(await threatToLife());

    const ids = recorded.map(({ eventId }) => eventId);
    await waitForRecent(page, ids);
    const shown = (await recentOn(page)).filter((id) => ids.includes(id));
    expect(shown).toEqual(ids);
    const { body: picture } = await api.request<Picture>(analystNca, 'GET', PICTURE);
    await waitForEventCount(page, picture.asOf.eventCount);
    expect(await figuresOn(page)).toEqual(figuresOf(picture));
    await page.context().close();
  });

  it('travels back to 13 June 2020 and shows the README’s figures, as corrected and as recorded', async () => {
    const page = await openDashboard(browser, api.baseUrl, auditorNwp);
    await page.fill('.time-travel input[type="datetime-local"]', '2020-06-13T23:59:59');
    await page.click('.time-travel button[type="submit"]');
    await page.waitForSelector('[data-live-state="paused"]');
    await waitForEventCount(page, 7232);
    // README "Demo data": as known at the end of 13 June 2020.
    expect(await figuresOn(page)).toMatchObject({ raids: 369, arrests: 350, cash: 2_797_259_080 });
    const knownAt = '2020-06-13T23:59:59Z';
    const { body: then } = await api.request<Picture>(auditorNwp, 'GET', `${PICTURE}?knownAt=${knownAt}`);
    expect(await figuresOn(page)).toEqual(figuresOf(then));
    // The timeline shows only what was known then.
    const newest = await page.$$eval('[data-table="timeline"] tbody tr', (rows) => rows.length);
    expect(newest).toBeGreaterThan(0);

    await page.selectOption('.time-travel select', 'as-recorded');
    await page.click('.time-travel button[type="submit"]');
    const { body: recordedThen } = await api.request<Picture>(
      auditorNwp,
      'GET',
      `${PICTURE}?knownAt=${knownAt}&view=as-recorded`,
    );
    await page.waitForSelector('.as-of:has-text("as-recorded")');
    await waitForEventCount(page, recordedThen.asOf.eventCount);
    expect(await figuresOn(page)).toEqual(figuresOf(recordedThen));

    await page.click('text=Back to now, live');
    await page.waitForSelector('[data-live-state="live"]');
    await page.context().close();
  });

  it('has no serious or critical accessibility violation (axe), signed in or not, wide or narrow', async () => {
    const violations: string[] = [];
    const scan = async (page: Page, where: string) => {
      const result = await new AxeBuilder({ page }).analyze();
      for (const violation of result.violations) {
        if (violation.impact === 'serious' || violation.impact === 'critical') {
          violations.push(
            `${where}: ${violation.id} (${violation.impact}) at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
          );
        }
      }
    };
    const page = await openDashboard(browser, api.baseUrl, auditorNwp);
    await page.waitForSelector('[data-verification="ok"]');
    await page.click('[data-table="timeline"] tbody tr button');
    await page.waitForSelector('[data-lineage]');
    await scan(page, 'auditor, 1280×800, an entry open');
    await page.setViewportSize({ width: 390, height: 844 });
    await scan(page, 'auditor, phone width');
    await page.click('text=Sign out');
    await page.waitForSelector('#token');
    await scan(page, 'sign-in');
    await page.context().close();
    expect(violations).toEqual([]);
  });

  it('is usable from the keyboard: a timeline entry opens with Enter', async () => {
    const page = await openDashboard(browser, api.baseUrl, analystNca);
    await page.waitForSelector('[data-table="timeline"] tbody tr button');
    await page.focus('[data-table="timeline"] tbody tr button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-details]');
    await page.context().close();
  });
});

describe('the role picker, in local development mode', () => {
  let app: INestApplication;
  let dataDir: string;
  let baseUrl: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'timeline-dashboard-local-dev-'));
    app = await createApp(loadApiConfig({ LOG_LEVEL: 'error', DATA_DIR: dataDir }), {
      auth: readAuthConfiguration({ AUTH_MODE: 'local-dev' }, dataDir),
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    });
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in as the role and agency picked, and signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    await page.selectOption('.role-picker select', 'auditor');
    await page.fill('.role-picker input', 'NWP');
    await page.click('.role-picker button[type="submit"]');
    await page.waitForSelector('[data-principal="auditor@NWP"]');
    // The store is empty: no operation this agency takes part in.
    await page.waitForSelector('text=Your agency takes part in no operation yet.');
    await page.click('text=Sign out');
    await page.waitForSelector('#token');
    await context.close();
  });
});
