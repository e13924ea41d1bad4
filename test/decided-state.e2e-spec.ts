import type { LoggerService } from '@nestjs/common';
import { agencyJoins, launch, raid } from '@timeline/application/testing/record-events.fixtures';
import { apiClient } from './support/api-client';
import { startTestApp, type TestApp } from './support/test-app';

// Restarts on a machine the suite shares.
jest.setTimeout(120_000);

const NCA = { role: 'recorder', agency: 'NCA' } as const;
const ADMIN = { role: 'admin', agency: 'NCA' } as const;
const ENV = { DECIDED_STATE_SNAPSHOT_EVERY: '1000', LOG_LEVEL: 'info' };

/** Keeps the log messages. */
class CollectingLogger implements LoggerService {
  readonly messages: string[] = [];
  log(message: unknown): void {
    this.messages.push(String(message));
  }
  error(message: unknown): void {
    this.messages.push(String(message));
  }
  warn(message: unknown): void {
    this.messages.push(String(message));
  }
}

describe('snapshots of the decided state across a restart', () => {
  let owner: TestApp;

  beforeAll(async () => {
    // Owns the data directory and store; the instances below come and go on them.
    owner = await startTestApp({ env: ENV });
  });

  afterAll(async () => {
    await owner.close();
  });

  it.each([
    ['loaded ahead of the write (the default)', { DECIDED_STATE_WARM_UP: '8' }, 'ahead'],
    ['loaded by the first write (DECIDED_STATE_WARM_UP=0)', { DECIDED_STATE_WARM_UP: '0' }, 'by-write'],
  ] as const)(
    'after a restart the state comes from the snapshot taken at shutdown, %s',
    async (_, warmUp, when) => {
      const env = { ...ENV, ...warmUp };
      const operation = `/operations/restarted-${when}/events`;
      const before = await startTestApp({ sharing: owner, env });
      const api = apiClient(before.app);
      const launched = await api
        .as(NCA)
        .post(operation)
        .send({ events: [launch(), agencyJoins('NWP'), raid('RAID-1')] });
      expect(launched.status).toBe(201);
      for (const n of [2, 3, 4]) {
        const written = await api
          .as(NCA)
          .post(operation)
          .send({ events: [raid(`RAID-${n}`)] });
        expect(written.status).toBe(201);
      }
      await before.close();

      const logger = new CollectingLogger();
      const after = await startTestApp({ sharing: owner, env, logger });
      try {
        const restarted = apiClient(after.app);
        let idle = await restarted.as(ADMIN).get('/health/details');
        while (!idle.body.decidedState.warmUp.done) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          idle = await restarted.as(ADMIN).get('/health/details');
        }
        // Ahead of any write, or not at all until one comes.
        expect(idle.body.decidedState).toMatchObject(
          when === 'ahead'
            ? { status: 'up', snapshots: 'on', loaded: 1, every: 1000, warmUp: { operations: 1, loaded: 1 } }
            : { status: 'up', snapshots: 'on', loaded: 0, every: 1000, warmUp: { operations: 0, loaded: 0 } },
        );

        // RAID-4 is only known from the snapshot: the rules refuse it again.
        const again = await restarted
          .as(NCA)
          .post(operation)
          .send({ events: [raid('RAID-4')] });
        expect([again.status, again.body.code]).toEqual([409, 'operation.reference-already-used']);
        const written = await restarted
          .as(NCA)
          .post(operation)
          .send({ events: [raid('RAID-5')] });
        expect([written.status, written.body.streamRevision]).toEqual([201, 6]);

        const details = await restarted.as(ADMIN).get('/health/details');
        expect(details.body.decidedState).toMatchObject({
          status: 'up',
          loaded: 1,
          rejected: 0,
          lastLoaded: { operationId: `restarted-${when}`, revision: 5 },
        });
        // The same counts in /metrics, for alerting.
        const metrics = (await restarted.as(ADMIN).get('/metrics')).text;
        expect(metrics).toContain('timeline_decided_state_snapshots{outcome="loaded"} 1');
        expect(metrics).toContain('timeline_decided_state_snapshots{outcome="rejected"} 0');
        expect(metrics).toContain('timeline_decided_state_snapshots{outcome="failed_save"} 0');
        expect(metrics).toContain('timeline_decided_state_warm_up_pending 0');
        expect(metrics).toMatch(/^timeline_decided_state_longest_load_block_seconds \d/m);
        expect(logger.messages).toEqual(
          expect.arrayContaining([
            expect.stringMatching(
              new RegExp(
                `^operation restarted-${when}: decided state read from its snapshot at revision 5 in \\d+ ms$`,
              ),
            ),
          ]),
        );
      } finally {
        await after.close();
      }
    },
  );

  it('reports snapshots off when DECIDED_STATE_SNAPSHOT_EVERY is 0', async () => {
    const off = await startTestApp({ env: { DECIDED_STATE_SNAPSHOT_EVERY: '0' } });
    try {
      const details = await apiClient(off.app).as(ADMIN).get('/health/details');
      expect(details.body.decidedState).toEqual({ status: 'up', snapshots: 'off' });
      expect((await apiClient(off.app).as(ADMIN).get('/metrics')).text).not.toContain(
        'timeline_decided_state_',
      );
    } finally {
      await off.close();
    }
  });
});
