import fc from 'fast-check';
import launchExample from '../events/catalogue/OperationLaunched/v1.example.json';
import { startSecuredApp, type LiveStream, type SecuredTestApp } from './support/auth.app';
import { bearerFor } from './support/auth.tokens';

/**
 * Handling code C: whatever a principal reads — history pages, the global log,
 * lineage, exports, the timeline, live pushes — never carries the details of a C-coded report unless its
 * agency originated it, recorded it, or is named by its conditions. Reports are
 * generated at random; each report's reference and subject are unique markers
 * searched for in every response.
 */
const MEMBERS = ['NCA', 'NWP', 'GMP'] as const;
const NAMEABLE = ['NCA', 'NWP', 'GMP', 'MPS', 'TARIAN'] as const;
const SOURCES = ['NCA', 'NWP', 'GMP', 'FR-GN'] as const;

interface Report {
  readonly recordedBy: (typeof MEMBERS)[number];
  readonly fromAgency: (typeof SOURCES)[number];
  readonly handling: 'P' | 'C';
  readonly named: readonly string[];
}

describe('handling code C across every read', () => {
  let api: SecuredTestApp;
  let run = 0;

  beforeAll(async () => {
    api = await startSecuredApp({ RATE_LIMIT_REQUESTS: '100000' });
  }, 60_000);
  afterAll(() => api?.close());

  const as = (role: 'recorder' | 'auditor', agency: string) => ({
    authorization: bearerFor({ role, agency }),
  });

  /** Records a batch; resolves with the global position of its last event. */
  async function record(operationId: string, agency: string, events: unknown[]): Promise<string> {
    const response = await api.fetch('POST', `/operations/${operationId}/events`, as('recorder', agency), {
      events,
    });
    if (response.status !== 201) throw new Error(`recording failed: ${response.status} ${response.text}`);
    return (JSON.parse(response.text) as { position: string }).position;
  }

  /** Every read an auditor of `agency` can make about the operation, as text. */
  async function everythingVisibleTo(
    agency: string,
    operationId: string,
    eventIds: string[],
    position: string,
  ): Promise<Record<string, string>> {
    const headers = as('auditor', agency);
    const reads: Record<string, string> = {};
    const get = async (path: string) => {
      const response = await api.fetch('GET', path, headers);
      expect([path, response.status]).toEqual([path, 200]);
      return response.text;
    };
    reads['history'] = await get(`/operations/${operationId}/events?limit=1000`);
    reads['log'] = await get(`/events?operationId=${operationId}&limit=1000`);
    reads['export'] = await get(`/operations/${operationId}/export`);
    reads['timeline'] = await get(`/operations/${operationId}/timeline?minPosition=${position}&limit=500`);
    for (const eventId of eventIds)
      reads[`lineage ${eventId}`] = await get(`/operations/${operationId}/events/${eventId}/lineage`);
    return reads;
  }

  it('shows a report to exactly the agencies entitled to it (property)', async () => {
    const report = fc.record({
      recordedBy: fc.constantFrom(...MEMBERS),
      fromAgency: fc.constantFrom(...SOURCES),
      handling: fc.constantFrom<'P' | 'C'>('P', 'C'),
      named: fc.subarray([...NAMEABLE]),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(report, { minLength: 1, maxLength: 5 }), async (reports: Report[]) => {
        const operationId = `handling-${++run}`;
        await record(operationId, 'NCA', [
          { type: 'OperationLaunched', occurredAt: '2020-03-26T09:00:00Z', data: launchExample },
          {
            type: 'AgencyJoined',
            occurredAt: '2020-04-01T08:00:00Z',
            data: { agency: 'NWP', region: 'wales' },
          },
          {
            type: 'AgencyJoined',
            occurredAt: '2020-04-01T08:00:00Z',
            data: { agency: 'GMP', region: 'north-west' },
          },
        ]);
        const live = new Map<string, { events: LiveStream; timeline: LiveStream }>();
        for (const viewer of MEMBERS) {
          live.set(viewer, {
            events: await api.open(`/events/live`, as('auditor', viewer)),
            timeline: await api.open(`/operations/${operationId}/timeline/live`, as('auditor', viewer)),
          });
        }
        const eventIds: string[] = [];
        let position = '0';
        for (const [index, r] of reports.entries()) {
          const eventId = `0190c000-0000-7000-8000-${String(run).padStart(6, '0')}${String(index).padStart(6, '0')}`;
          eventIds.push(eventId);
          const grading =
            r.handling === 'C'
              ? {
                  source: 1,
                  intelligence: 'B',
                  handling: 'C',
                  conditions: `Share only with ${r.named.join(', ') || 'no other agency'}`,
                }
              : { source: 2, intelligence: 'C', handling: 'P' };
          position = await record(operationId, r.recordedBy, [
            {
              eventId,
              type: 'IntelligenceReceived',
              occurredAt: '2020-05-01T10:00:00Z',
              data: {
                reportRef: `SECRET-${run}-${index}`,
                fromAgency: r.fromAgency,
                grading,
                priority: 'MEDIUM',
                threatToLife: false,
                subjects: [`SUBJ-${run}-${index}`],
                region: 'north-west',
              },
            },
          ]);
        }
        for (const viewer of MEMBERS) {
          const reads = await everythingVisibleTo(viewer, operationId, eventIds, position);
          const streams = live.get(viewer)!;
          const pushedAll = (text: string) => eventIds.every((eventId) => text.includes(eventId));
          reads['events/live'] = await streams.events.until(pushedAll);
          reads['timeline/live'] = await streams.timeline.until(pushedAll);
          streams.events.close();
          streams.timeline.close();
          reports.forEach((r, index) => {
            const entitled = r.handling === 'P' || [r.fromAgency, r.recordedBy, ...r.named].includes(viewer);
            for (const [read, text] of Object.entries(reads)) {
              // Each report's own lineage shows it; another report's lineage never does.
              if (read.startsWith('lineage') && read !== `lineage ${eventIds[index]}`) continue;
              for (const marker of [`SECRET-${run}-${index}"`, `SUBJ-${run}-${index}"`]) {
                expect([viewer, read, marker, text.includes(marker)]).toEqual([
                  viewer,
                  read,
                  marker,
                  entitled,
                ]);
              }
            }
          });
        }
        const outsider = await api.fetch('GET', `/operations/${operationId}/events`, as('auditor', 'MPS'));
        expect(outsider.status).toBe(404);
        expect(outsider.text).not.toContain('SECRET-');
      }),
      { numRuns: 8 },
    );
  }, 120_000);
});
