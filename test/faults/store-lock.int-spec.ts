import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import {
  EventStoreLockedError,
  EventStoreUnavailableError,
  SqliteEventStore,
  SqliteStoreLock,
} from '@timeline/event-store';
import { exited, startHolder } from './store-holder';

const anEvent = (type: string) => ({ eventId: uuidv7(), type, data: {}, metadata: {} });

/** One writing process per store file: a second is refused with a message naming the holder. */
describe('the embedded store lock, across processes', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-lock-'));
    file = join(dir, 'events.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second writer naming the holder, lets readers in, and is taken over once the holder is killed', async () => {
    const seeded = await SqliteEventStore.open({ file });
    await seeded.append('s', [anEvent('Before')]);
    await seeded.close();

    const { child, answer } = startHolder(file);
    try {
      const ready = await answer;
      expect(ready).toEqual({ ready: child.pid });

      const refused = await SqliteEventStore.open({ file }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(EventStoreLockedError);
      const locked = refused as EventStoreLockedError;
      expect([locked.holder?.pid, locked.holder?.host]).toEqual([child.pid, hostname()]);
      expect(locked.message).toContain(`is in use by process ${child.pid} on ${hostname()} (since `);
      expect(locked.message).toContain('store-holder.child.ts');
      expect(SqliteStoreLock.holderOf(file)?.pid).toBe(child.pid);

      // Readers need no lock: they work beside the writer, and cannot append.
      const reader = await SqliteEventStore.open({ file, readOnly: true });
      try {
        expect((await reader.readAll()).map((event) => event.type)).toEqual(['Before']);
        await expect(reader.append('s', [anEvent('Refused')])).rejects.toThrow(EventStoreUnavailableError);
        expect((await reader.describe()).writesRefused?.reason).toBe('the store was opened read-only');
      } finally {
        await reader.close();
      }
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }

    // The OS released the killed holder's lock: the next writer takes it and is told who held it.
    const next = await SqliteEventStore.open({ file });
    try {
      expect(next.previousLockHolder?.pid).toBe(child.pid);
      await next.append('s', [anEvent('After')]);
      expect(SqliteStoreLock.holderOf(file)?.pid).toBe(process.pid);
    } finally {
      await next.close();
    }
    expect(SqliteStoreLock.holderOf(file)).toBeNull();
  }, 60_000);

  it('a process that finds this one holding the store is refused; once closed, it can take it', async () => {
    const store = await SqliteEventStore.open({ file });
    // A second store of the same process shares the lock and does not release it when it closes.
    const second = await SqliteEventStore.open({ file });
    await second.close();
    const first = startHolder(file);
    const refusal = await first.answer;
    await exited(first.child);
    expect(refusal).toEqual({
      refused: expect.stringContaining(`is in use by process ${process.pid} on ${hostname()}`),
    });

    await store.close();
    const again = startHolder(file);
    try {
      expect(await again.answer).toEqual({ ready: again.child.pid });
    } finally {
      again.child.stdin!.end();
      await exited(again.child);
    }
    // A clean close clears the row as well as the lock.
    expect(SqliteStoreLock.holderOf(file)).toBeNull();
  }, 60_000);
});
