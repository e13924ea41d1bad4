import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalJson } from '@timeline/kernel';
import { SqliteEventStore, type EventStore } from '@timeline/event-store';
import { aHistory, appendSealed } from '@timeline/integrity/testing/sealed-history.fixture';
import {
  foldEvents,
  operationalPictureProjection,
  operationalPictureView,
  toStoredTimelineEvent,
} from '@timeline/projections';
import { runCli } from '../../apps/cli/src/cli';
import type { CliContext } from '../../apps/cli/src/cli-command';
import { openStore } from '../../apps/cli/src/cli-context';
import { exited, startHolder } from './store-holder';

function contextIn(cwd: string, output: { out: string; err: string }): CliContext {
  return {
    out: (text) => (output.out += text),
    err: (text) => (output.err += text),
    env: {},
    cwd,
    now: () => new Date('2020-07-02T12:00:00.000Z'),
    user: 'records-officer',
    software: { name: 'operation-timeline', version: '0.1.0' },
    openStore,
    progress: () => ({ update: () => undefined, stop: () => undefined }),
    fetch: () => Promise.reject(new Error('no network in this test')),
  };
}

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const output = { out: '', err: '' };
  const code = await runCli(args, contextIn(cwd, output));
  return { code, ...output };
}

async function pictureOf(store: EventStore, events?: number): Promise<string> {
  const all = (await store.readAll()).slice(0, events).map(toStoredTimelineEvent);
  return canonicalJson(operationalPictureView(foldEvents(operationalPictureProjection, all), 'venetic'));
}

/**
 * Backup while the store is written to, restore into a fresh data directory: the
 * restored store verifies (hash chains) and answers the same picture as the
 * original did at the backup's position.
 */
describe('backup and restore of the embedded store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-backup-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('backs up while appends go on, and the restored store verifies and answers the same picture', async () => {
    const store = await SqliteEventStore.open({ file: join(dir, 'data', 'events.db') });
    let backupCount = 0;
    try {
      await appendSealed(store, 'venetic', aHistory('venetic', 300), 50);
      let writing = true;
      let next = 300;
      const writer = (async () => {
        while (writing) {
          await appendSealed(store, 'venetic', aHistory('venetic', 5, next), 5);
          next += 5;
        }
      })();
      // Let a few appends land first, then back up with appends still arriving.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const backup = await cli(['backup', '--out', 'venetic.backup.db'], dir);
      writing = false;
      await writer;
      expect([backup.code, backup.err]).toEqual([0, '']);
      const match =
        /^wrote (.+): (\d+) events, up to position (\d+), (\d+) bytes, hash chains verified\n$/.exec(
          backup.out,
        );
      expect(match?.[1]).toBe(join(dir, 'venetic.backup.db'));
      backupCount = Number(match![2]);
      expect(backupCount).toBeGreaterThanOrEqual(300);
      expect(Number(match![3])).toBe(backupCount);
      expect(readdirSync(dir).sort()).toEqual(['data', 'venetic.backup.db']);
      // A backup never overwrites.
      expect((await cli(['backup', '--out', 'venetic.backup.db'], dir)).code).toBe(3);

      // Restore into a fresh data directory: it verifies, and the picture is the one at the backup's position.
      const restored = await cli(['restore', 'venetic.backup.db', '--data-dir', 'restored'], dir);
      expect([restored.code, restored.err]).toEqual([0, '']);
      expect(restored.out).toBe(
        `restored ${join(dir, 'restored', 'events.db')}: ${backupCount} events, up to position ${backupCount}, ${match![4]} bytes, hash chains verified\n`,
      );
      const verified = await cli(['verify', '--data-dir', 'restored'], dir);
      expect([verified.code, verified.out.split('\n')[0]]).toEqual([
        0,
        `OK: ${backupCount} events in 1 operations, up to position ${backupCount}`,
      ]);
      const copy = await SqliteEventStore.open({ file: join(dir, 'restored', 'events.db') });
      try {
        expect(await pictureOf(copy)).toBe(await pictureOf(store, backupCount));
        // The restored store takes appends: it is a store, not a read-only copy.
        await appendSealed(copy, 'venetic', aHistory('venetic', 1, 10_000), 1);
      } finally {
        await copy.close();
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  it('restore is refused while the api holds the store, keeps an old store aside, and drops stale checkpoints', async () => {
    const file = join(dir, 'data', 'events.db');
    const store = await SqliteEventStore.open({ file });
    await appendSealed(store, 'venetic', aHistory('venetic', 20), 20);
    await store.close();
    expect((await cli(['backup', '--out', 'twenty.db'], dir)).code).toBe(0);
    const more = await SqliteEventStore.open({ file });
    await appendSealed(more, 'venetic', aHistory('venetic', 10, 20), 10);
    await more.close();
    mkdirSync(join(dir, 'data', 'projections'));
    writeFileSync(join(dir, 'data', 'projections', 'operational-picture.checkpoint.ndjson'), '{}\n');

    const holder = startHolder(file);
    try {
      await holder.answer;
      const refused = await cli(['restore', 'twenty.db', '--replace'], dir);
      expect(refused.code).toBe(3);
      expect(refused.err).toContain(`is in use by process ${holder.child.pid}`);
      // The other write command is refused the same way; reading commands work beside the holder.
      const seeded = await cli(['seed'], dir);
      expect([seeded.code, seeded.err]).toEqual([
        3,
        expect.stringContaining(`is in use by process ${holder.child.pid}`),
      ]);
      const verified = await cli(['verify'], dir);
      expect([verified.code, verified.out.split('\n')[0]]).toEqual([
        0,
        'OK: 30 events in 1 operations, up to position 30',
      ]);
      expect((await cli(['backup', '--out', 'beside.db'], dir)).code).toBe(0);
    } finally {
      holder.child.kill('SIGKILL');
      await exited(holder.child);
    }

    const withoutReplace = await cli(['restore', 'twenty.db'], dir);
    expect([withoutReplace.code, withoutReplace.err]).toEqual([
      3,
      `error: The event store file ${file} cannot be used: a store exists there; restoring over it needs --replace\n`,
    ]);
    const replaced = await cli(['restore', 'twenty.db', '--replace'], dir);
    expect(replaced.code).toBe(0);
    expect(replaced.out.split('\n').slice(1)).toEqual([
      `  the store it replaced is kept as ${file}.replaced-2020-07-02T12-00-00-000Z`,
      '  removed 1 projection checkpoints: the api rebuilds them at start',
      '',
    ]);
    expect(existsSync(join(dir, 'data', 'projections', 'operational-picture.checkpoint.ndjson'))).toBe(false);
    const kept = new Database(`${file}.replaced-2020-07-02T12-00-00-000Z`, { readonly: true });
    expect(kept.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(30);
    kept.close();
    const verified = await cli(['verify'], dir);
    expect(verified.out.split('\n')[0]).toBe('OK: 20 events in 1 operations, up to position 20');
  }, 60_000);

  it('a backup whose hash chain is broken is not restored, and the store is left as it was', async () => {
    const store = await SqliteEventStore.open({ file: join(dir, 'data', 'events.db') });
    await appendSealed(store, 'venetic', aHistory('venetic', 10), 10);
    await store.close();
    expect((await cli(['backup', '--out', 'ten.db'], dir)).code).toBe(0);
    const tamper = new Database(join(dir, 'ten.db'));
    tamper.exec('DROP TRIGGER events_are_immutable_update');
    tamper.exec("UPDATE events SET data = replace(data, 'SUBJ-4', 'SUBJ-9') WHERE seq = 5");
    tamper.close();
    const refused = await cli(['restore', 'ten.db', '--data-dir', 'elsewhere'], dir);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error: the copy does not verify: BROKEN: operation venetic, revision 4, /);
    // Nothing but the lock file it took: no store, no staging copy.
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual(['events.db.lock']);
  }, 60_000);
});
