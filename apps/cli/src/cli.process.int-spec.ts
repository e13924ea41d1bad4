import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { createEventStore } from '@timeline/event-store';
import { aHistory, appendSealed } from '@timeline/integrity/testing/sealed-history.fixture';

const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);

/** `npm run cli -- …` as a user types it, minus npm's banner: the same command line (package.json). */
async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = [join(ROOT, 'apps/run.js'), 'cli', ...args];
  try {
    const { stdout, stderr } = await run(process.execPath, command, {
      cwd,
      env: process.env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the CLI as a process, on a real store', () => {
  let dir: string;
  let eventIds: string[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-cli-process-'));
    const store = await createEventStore({ kind: 'sqlite', file: join(dir, 'data', 'events.db') });
    eventIds = (await appendSealed(store, 'venetic', aHistory('venetic', 30))).map((event) => event.eventId);
    await store.close();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('exports with exit 0, then names a row altered in the store with exit 1', async () => {
    const exported = await cli(
      ['export', '--operation', 'venetic', '--out', 'venetic', '--exported-by', 'ipco-inspector'],
      dir,
    );
    expect([exported.code, exported.stderr]).toEqual([0, '']);
    const manifest = JSON.parse(await readFile(join(dir, 'venetic.manifest.json'), 'utf8'));
    expect([manifest.events, manifest.exportedBy, manifest.software.name]).toEqual([
      30,
      'ipco-inspector',
      'operation-timeline',
    ]);

    const db = new Database(join(dir, 'data', 'events.db'));
    db.exec('DROP TRIGGER events_are_immutable_update');
    db.prepare("UPDATE events SET data = replace(data, 'SUBJ-12', 'SUBJ-21') WHERE event_id = ?").run(
      eventIds[12],
    );
    db.close();
    const verified = await cli(['verify', '--operation', 'venetic'], dir);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(
      new RegExp(
        `^BROKEN: operation venetic, revision 12, event ${eventIds[12]}, position 13: hash-mismatch \\(expected [0-9a-f]{64}, found [0-9a-f]{64}\\); 12 events verified before it\\n$`,
      ),
    );
  }, 60_000);
});
