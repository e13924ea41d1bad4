/**
 * `npm run screenshots:dashboard`: the dashboard's pictures in the README, taken in headless
 * Chromium over the api with the demo operation and a few events recorded while it is open,
 * at 1280×800 and at a phone's width (390×844). Writes docs/dashboard-1280x800.png and
 * docs/dashboard-phone.png.
 */
import { join } from 'node:path';
import { buildDashboard } from '../../apps/dashboard/build';
import { DEMO_OPERATION, launchChromium, openDashboard, startDemoApi } from './support/dashboard-harness';

const DOCS = join(__dirname, '..', '..', 'docs');

async function main(): Promise<void> {
  await buildDashboard();
  const api = await startDemoApi();
  const browser = await launchChromium();
  try {
    const wide = await openDashboard(browser, api.baseUrl, { role: 'auditor', agency: 'NCA' });
    const phone = await openDashboard(
      browser,
      api.baseUrl,
      { role: 'analyst', agency: 'NWP' },
      { viewport: { width: 390, height: 844 } },
    );
    await wide.waitForSelector('[data-live-state="live"]');
    const actions = ['warning-notice', 'relocation', 'arrest'];
    for (let i = 0; i < 6; i++) {
      await api.request({ role: 'recorder', agency: 'NCA' }, 'POST', `/operations/${DEMO_OPERATION}/events`, {
        events: [
          {
            type: 'ThreatToLifeMitigated',
            occurredAt: '2020-06-20T10:00:00Z',
            data: {
              ttlId: `TTL-SCREENSHOT-${Date.now()}-${i}`,
              action: actions[i % actions.length],
              force: 'NCA',
            },
          },
        ],
      });
    }
    await wide.waitForSelector('[data-list="recent"] li:nth-child(6)');
    await wide.waitForSelector('[data-verification="ok"]');
    await wide.waitForTimeout(500);
    await wide.screenshot({ path: join(DOCS, 'dashboard-1280x800.png') });
    await phone.waitForTimeout(500);
    await phone.screenshot({ path: join(DOCS, 'dashboard-phone.png') });
    process.stdout.write(
      `wrote ${join(DOCS, 'dashboard-1280x800.png')} and ${join(DOCS, 'dashboard-phone.png')}\n`,
    );
  } finally {
    await browser.close();
    await api.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
