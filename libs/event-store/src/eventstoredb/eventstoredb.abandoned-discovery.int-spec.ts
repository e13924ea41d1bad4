import { setTimeout as sleep } from 'node:timers/promises';
import { EventStoreUnavailableError } from '../event-store.errors';
import { EventStoreDbEventStore } from './eventstoredb.event-store';

/**
 * A call abandoned at its deadline while the client is still discovering the leader: the client
 * cancels a read stream only once its channel exists, so the cancellation itself fails when the
 * discovery does. That failure is the attempt's own, already reported; it must not escape as an
 * unhandled rejection (which ends a process), as it once did during an election
 * (`eventstoredb-failover.e2e-spec.ts`).
 */
describe('EventStoreDB reads abandoned during a discovery that then fails', () => {
  // Nothing listens on port 1: each of the 3 discovery attempts fails, 40 ms apart, long after
  // the 5 ms deadline has abandoned the read.
  const connectionString =
    'esdb+discover://127.0.0.1:1?tls=false&maxDiscoverAttempts=3&discoveryInterval=40&gossipTimeout=1';

  it('fail as unavailable, and leave no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      // Opening reads the head of the log: its one attempt is abandoned at the deadline.
      await expect(
        EventStoreDbEventStore.open({ connectionString, deadlineMs: 5, retry: { budgetMs: 0 } }),
      ).rejects.toBeInstanceOf(EventStoreUnavailableError);
      // Long enough for the abandoned call's discovery to have failed.
      await sleep(500);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
