/**
 * What the dashboard's browser tests, its benchmark and its screenshots share: the api with
 * the demo operation loaded, listening on a loopback port, and headless Chromium (Debian's
 * `chromium` package, never a downloaded browser; CHROMIUM_PATH overrides where it is).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Schemas } from '@timeline/api-client';
import { DemoDataModule, DemoDataset } from '@timeline/demo-data';
import { createApp } from '../../../apps/api/src/app.factory';
import { readAuthConfiguration } from '../../../apps/api/src/auth/auth.config';
import { loadApiConfig } from '../../../apps/api/src/config/api.config';
import { startApiProcess } from '../../support/api-process';
import { bearerFor, testAuthEnvironment, type TestPrincipal } from '../../support/auth.tokens';

export const DEMO_OPERATION = 'venetic';

export type Picture = Schemas['OperationalPictureView'];

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

export interface DemoApi {
  readonly app: INestApplication;
  readonly baseUrl: string;
  /** The demo's event count: the picture reflects it once the load is done. */
  readonly demoEvents: number;
  /** A JSON request with a principal's token: status and parsed body. */
  request<T = unknown>(
    principal: TestPrincipal,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** The api as main.ts assembles it with the first-run demo loader, once the demo is loaded and projected. */
export async function startDemoApi(env: Readonly<Record<string, string>> = {}): Promise<DemoApi> {
  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-dashboard-'));
  const config = loadApiConfig({ LOG_LEVEL: 'error', ...env, DATA_DIR: dataDir });
  const app = await createApp(config, {
    auth: readAuthConfiguration(
      { ...testAuthEnvironment(), RATE_LIMIT_REQUESTS: '1000000', ...env },
      dataDir,
    ),
    logger: silent,
    imports: [DemoDataModule.forRoot({ loadOnEmptyStore: true })],
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;
  const demoEvents = demoEventCount();
  const request = jsonRequester(baseUrl);
  await untilDemoLoaded(request, demoEvents);
  return {
    app,
    baseUrl,
    demoEvents,
    request,
    async close() {
      try {
        await app.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A demo api in a process of its own (the real main, `DEMO_DATA=on`), as the benchmark runs it. */
export interface DemoApiProcess extends Omit<DemoApi, 'app'> {
  readonly child: ChildProcess;
}

export async function startDemoApiProcess(
  env: Readonly<Record<string, string>> = {},
): Promise<DemoApiProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-dashboard-'));
  const output: string[] = [];
  const { child, port } = await startApiProcess(dataDir, output, {
    DEMO_DATA: 'on',
    RATE_LIMIT_REQUESTS: '1000000',
    ...env,
  });
  // Its request log is not needed: keep the pipe drained without holding every line.
  child.stdout!.on('data', () => output.splice(0));
  const baseUrl = `http://127.0.0.1:${port}`;
  const demoEvents = demoEventCount();
  const request = jsonRequester(baseUrl);
  await untilDemoLoaded(request, demoEvents);
  return {
    child,
    baseUrl,
    demoEvents,
    request,
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function demoEventCount(): number {
  const dataset = new DemoDataset();
  for (const _ of dataset);
  return dataset.expected().operations[0].events;
}

function jsonRequester(baseUrl: string): DemoApi['request'] {
  return async <T>(principal: TestPrincipal, method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        Authorization: bearerFor(principal),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
  };
}

/** Until the demo is loaded and the picture reflects all of it. */
async function untilDemoLoaded(request: DemoApi['request'], demoEvents: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const picture = await request<Picture>(
      { role: 'analyst', agency: 'NCA' },
      'GET',
      `/operations/${DEMO_OPERATION}/picture`,
    );
    if (picture.status === 200 && picture.body.asOf.eventCount >= demoEvents) return;
    if (attempt > 600) throw new Error('the demo did not load within two minutes');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A raw token (no `Bearer `) for a principal of the tests' identity provider. */
export function tokenOf(principal: TestPrincipal): string {
  return bearerFor(principal).slice('Bearer '.length);
}

export interface OpenOptions {
  readonly viewport?: { width: number; height: number };
}

/**
 * Opens the dashboard signed in as the principal (the token put where the sign-in form
 * keeps it, this tab's sessionStorage) and waits for the headline figures.
 */
export async function openDashboard(
  browser: Browser,
  baseUrl: string,
  principal: TestPrincipal,
  options: OpenOptions = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  const page = await context.newPage();
  // Runs in the page (the tests' tsconfig has no DOM types): sign in as the form would.
  await page.addInitScript(
    `if (sessionStorage.getItem('operation-timeline.token') === null) sessionStorage.setItem('operation-timeline.token', ${JSON.stringify(tokenOf(principal))});`,
  );
  await page.goto(`${baseUrl}/`);
  await page.waitForSelector('[data-figure="raids"]');
  return page;
}

/** The headline figures as the page shows them: name → the exact value behind the text. */
export function figuresOn(page: Page): Promise<Record<string, number>> {
  return page.$$eval('[data-figure]', (elements) =>
    Object.fromEntries(
      elements.map((element) => [
        element.getAttribute('data-figure'),
        Number(element.getAttribute('data-value')),
      ]),
    ),
  );
}

/** The same figures computed from a picture the api answered. */
export function figuresOf(picture: Picture): Record<string, number> {
  const totals = picture.totals;
  const byType = Object.values(totals.drugs.byType);
  return {
    raids: totals.raids.total,
    arrests: totals.arrests,
    charges: totals.charges.total,
    convictions: totals.courtOutcomes.convictions,
    cash: totals.cash.pence,
    'drugs-kg': byType.reduce((sum, amounts) => sum + amounts.kg, 0),
    firearms: totals.firearms.total,
    rounds: totals.firearms.rounds,
    intelligence: totals.intelligence.received,
    'threats-to-life': totals.threatsToLifeMitigated.total,
  };
}
