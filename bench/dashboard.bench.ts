/**
 * `npm run bench:dashboard [-- --quick] [--rate EVENTS_PER_S] [--seconds S]`: the dashboard
 * (README "The dashboard") in headless Chromium over the api with the demo operation.
 *
 * Measured:
 * - the bundle: the page, its script and its stylesheet as built, gzipped;
 * - page load to figures shown: from navigation to the headline figures in the DOM, signed
 *   in, on the demo (9,851 events), a fresh browser context each time (nothing cached);
 * - under load: this process records ThreatToLifeMitigated events over the api at a steady,
 *   open-loop rate (default 1,000 events/s as 100 requests/s of 10) for a fixed time while
 *   the page is open and live. The lag is from the moment a request was acknowledged
 *   (its events recorded) to the moment the page's event count first includes them; the
 *   main thread's busy share is Chromium's own task time (CDP Performance.TaskDuration) over
 *   the window's wall time; the longest task is from the Long Tasks API.
 *
 * The api runs in a process of its own (the real main, the embedded store) and shares the
 * machine's cores with Chromium and this driver: on a small, loaded machine the figures are a
 * ceiling on the lag and busy share a dedicated browser would see (the load average is recorded).
 * --quick: 200 events/s for 5 s, 2 page loads. Prints a table and writes
 * bench/results/dashboard.json (dashboard.quick.json with --quick).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildDashboard } from '../apps/dashboard/build';
import {
  DEMO_OPERATION,
  launchChromium,
  startDemoApiProcess,
  tokenOf,
} from '../test/browser/support/dashboard-harness';
import { bearerFor } from '../test/support/auth.tokens';
import { BenchReport } from './support/bench-report';
import { percentile } from './support/latency';

function numberArgument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} takes a positive integer`);
  return value;
}

const quick = process.argv.includes('--quick');
const rate = numberArgument('rate', quick ? 200 : 1000);
const seconds = numberArgument('seconds', quick ? 5 : 20);
const loads = quick ? 2 : 5;
const BATCH = 10;
const analyst = { role: 'analyst', agency: 'NCA' } as const;

/** Run in the page before its own scripts: when the figures first show, each event count and when, long tasks. */
const PAGE_PROBE = `
  window.__bench = { figuresShownAt: null, counts: [], longestTaskMs: 0, longTasks: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__bench.longTasks++;
      window.__bench.longestTaskMs = Math.max(window.__bench.longestTaskMs, entry.duration);
    }
  }).observe({ type: 'longtask', buffered: true });
  new MutationObserver(() => {
    if (window.__bench.figuresShownAt === null && document.querySelector('[data-figure="raids"]')) {
      window.__bench.figuresShownAt = performance.now();
    }
    const asOf = document.querySelector('[data-event-count]');
    const count = asOf === null ? null : Number(asOf.getAttribute('data-event-count'));
    const last = window.__bench.counts[window.__bench.counts.length - 1];
    if (count !== null && (last === undefined || last[1] !== count)) window.__bench.counts.push([Date.now(), count]);
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-event-count'] });
  sessionStorage.setItem('operation-timeline.token', __TOKEN__);
`;

interface Probe {
  figuresShownAt: number | null;
  counts: [number, number][];
  longestTaskMs: number;
  longTasks: number;
}

async function openProbed(browserPage: Page, api: { readonly baseUrl: string }): Promise<void> {
  await browserPage.addInitScript(PAGE_PROBE.replace('__TOKEN__', JSON.stringify(tokenOf(analyst))));
  await browserPage.goto(`${api.baseUrl}/`);
  await browserPage.waitForSelector('[data-figure="raids"]');
}

const probeOf = (page: Page): Promise<Probe> => page.evaluate('window.__bench') as Promise<Probe>;

async function main(): Promise<void> {
  const report = new BenchReport('dashboard', { quick, rate, seconds, batch: BATCH, loads });
  const built = await buildDashboard();
  const gzip = built.files.reduce((sum, file) => sum + file.gzipBytes, 0);
  const raw = built.files.reduce((sum, file) => sum + file.bytes, 0);
  report.add({
    scenario: 'bundle, gzipped',
    subject: built.files.map((file) => file.name).join(' + '),
    count: gzip,
    note: `${(gzip / 1024).toFixed(1)} KiB gzipped (${(raw / 1024).toFixed(1)} KiB as served); aim under 150 kB`,
  });

  process.stdout.write('loading the demo operation…\n');
  const api = await startDemoApiProcess();
  const browser = await launchChromium();
  try {
    const loadTimes: number[] = [];
    for (let run = 0; run < loads; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await openProbed(page, api);
      await page.waitForSelector(`[data-event-count="${api.demoEvents}"]`);
      loadTimes.push((await probeOf(page)).figuresShownAt!);
      await context.close();
    }
    const sortedLoads = [...loadTimes].sort((a, b) => a - b);
    report.add({
      scenario: 'page load to figures shown',
      subject: `Chromium, demo (${api.demoEvents.toLocaleString('en-GB')} events)`,
      count: loads,
      p50Ms: percentile(sortedLoads, 50),
      maxMs: sortedLoads.at(-1),
    });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await openProbed(page, api);
    await page.waitForSelector('[data-live-state="live"]');
    const base = (
      await api.request<{ asOf: { eventCount: number } }>(
        analyst,
        'GET',
        `/operations/${DEMO_OPERATION}/picture`,
      )
    ).body.asOf.eventCount;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskSeconds = async (): Promise<number> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((metric) => metric.name === 'TaskDuration')!.value;
    };

    process.stdout.write(`recording ${rate} events/s for ${seconds} s with the page live…\n`);
    const acknowledged: [number, number][] = [];
    let acknowledgedEvents = 0;
    let refused = 0;
    let retried = 0;
    let reference = 0;
    const authorization = bearerFor({ role: 'recorder', agency: 'NCA' });
    const requestsPerSecond = rate / BATCH;
    const totalRequests = Math.round(requestsPerSecond * seconds);
    const tasksAtStart = await taskSeconds();
    const startedAt = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < totalRequests; i++) {
      const due = startedAt + (i * 1000) / requestsPerSecond;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const events = Array.from({ length: BATCH }, () => ({
        type: 'ThreatToLifeMitigated',
        occurredAt: '2020-06-20T10:00:00Z',
        data: { ttlId: `TTL-BENCH-${++reference}`, action: 'warning-notice', force: 'NCA' },
      }));
      const body = JSON.stringify({ events });
      const key = `bench-dashboard-${startedAt}-${i}`;
      inFlight.push(
        (async () => {
          // A request that failed in transit is sent again with its Idempotency-Key: recorded once, counted once.
          for (let attempt = 0; ; attempt++) {
            try {
              const response = await fetch(`${api.baseUrl}/operations/${DEMO_OPERATION}/events`, {
                method: 'POST',
                headers: {
                  Authorization: authorization,
                  'Content-Type': 'application/json',
                  'Idempotency-Key': key,
                },
                body,
              });
              await response.arrayBuffer();
              if (response.status === 201 || response.status === 200) {
                acknowledgedEvents += BATCH;
                acknowledged.push([Date.now(), base + acknowledgedEvents]);
              } else {
                refused++;
              }
              return;
            } catch (error) {
              if (attempt >= 5) throw error;
              retried++;
              await new Promise((resolve) => setTimeout(resolve, 200));
            }
          }
        })(),
      );
    }
    await Promise.all(inFlight);
    const writingMs = Date.now() - startedAt;
    const finalCount = base + acknowledgedEvents;
    await page.waitForSelector(`[data-event-count="${finalCount}"]`, { timeout: 60_000 });
    const busy = (await taskSeconds()) - tasksAtStart;
    const windowSeconds = (Date.now() - startedAt) / 1000;
    const probe = await probeOf(page);

    // For each acknowledgement: how long until the page's count first covered everything acknowledged by then.
    const lags: number[] = [];
    let shown = 0;
    for (const [at, count] of acknowledged) {
      while (shown < probe.counts.length && probe.counts[shown][1] < count) shown++;
      if (shown === probe.counts.length) break;
      lags.push(Math.max(0, probe.counts[shown][0] - at));
    }
    const sortedLags = lags.sort((a, b) => a - b);
    report.add({
      scenario: `recording to appearance, ${rate.toLocaleString('en-GB')} events/s for ${seconds} s`,
      subject: 'the page’s event count (live picture feed)',
      count: lags.length,
      eventsPerSecond: acknowledgedEvents / (writingMs / 1000),
      p50Ms: percentile(sortedLags, 50),
      p99Ms: percentile(sortedLags, 99),
      maxMs: sortedLags.at(-1),
      note: `${refused} requests refused, ${retried} resent after a transport error`,
    });
    report.add({
      scenario: `main thread busy, ${rate.toLocaleString('en-GB')} events/s for ${seconds} s`,
      subject: 'Chromium renderer (CDP TaskDuration / wall time)',
      loopUtilisation: busy / windowSeconds,
      maxMs: probe.longestTaskMs,
      note: `${probe.longTasks} long tasks (over 50 ms) since the page opened; ${probe.counts.length} count updates rendered`,
    });
    await context.close();
  } finally {
    await browser.close();
    await api.close();
  }
  report.print();
  report.writeJson(join(__dirname, 'results', quick ? 'dashboard.quick.json' : 'dashboard.json'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
