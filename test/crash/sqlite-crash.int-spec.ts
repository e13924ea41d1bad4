import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Acknowledgement } from './sqlite-crash.child';

/**
 * Kill -9 at random moments while a child process appends, then check the file:
 * every append the child saw acknowledged must be on disk, in order, with no gap
 * in any stream's revisions and no batch torn apart. `CRASH_ROUNDS` sets the
 * number of kills (`npm run test:crash` runs 200; the normal suite a few).
 */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const PROJECT_ROOT = resolve(__dirname, '..', '..');
const CHILD = join(__dirname, 'sqlite-crash.child.ts');

interface Round {
  readonly acknowledgements: Acknowledgement[];
  readonly killedBeforeReady: boolean;
}

/**
 * Starts the child, kills it with SIGKILL at a random moment, and returns what it acknowledged.
 * An `early` kill may land anywhere from spawn on, possibly while the store is opening; otherwise
 * the kill lands at a random moment after the first acknowledgement, in the thick of the appends.
 */
function runAndKill(file: string, round: number, early: boolean): Promise<Round> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('ts-node/register/transpile-only'),
      '-r',
      require.resolve('tsconfig-paths/register'),
      CHILD,
      file,
      String(round),
    ],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let armed = false;
  const kill = () => child.kill('SIGKILL');
  if (early) setTimeout(kill, Math.floor(Math.random() * 1200));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!early && !armed && stdout.startsWith('READY\n') && stdout.length > 'READY\n'.length) {
      armed = true;
      setTimeout(kill, Math.floor(Math.random() * 400));
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  return new Promise((resolvePromise, reject) => {
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`crash child ended by itself (code ${code}, signal ${signal}): ${stderr}`));
        return;
      }
      const lines = stdout.split('\n');
      lines.pop(); // the last line is empty or cut by the kill: not a complete acknowledgement
      const acknowledgements = lines
        .filter((line) => line !== 'READY')
        .map((line) => JSON.parse(line) as Acknowledgement);
      resolvePromise({ acknowledgements, killedBeforeReady: !lines.includes('READY') });
    });
  });
}

interface StoredEvent {
  seq: number;
  stream: string;
  revision: number;
}

/** Checks the file after a kill; `afterSeq` is the head before the round, so batch checks cover its writes only. */
function checkFile(file: string, afterSeq: number, acknowledgements: readonly Acknowledgement[]): number {
  // A read-write connection runs WAL recovery as a restarted store would; nothing is written.
  const db = new Database(file);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const hasSchema = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'")
      .get();
    if (!hasSchema) {
      // Killed before the store had ever opened: it cannot have acknowledged anything.
      expect(acknowledgements).toEqual([]);
      return afterSeq;
    }

    const byId = db.prepare<[string], StoredEvent>(
      'SELECT seq, stream, revision FROM events WHERE event_id = ?',
    );
    let previousPosition = 0;
    for (const ack of acknowledgements) {
      const stored = ack.eventIds.map((id) => byId.get(id));
      const firstRevision = ack.nextExpectedRevision - ack.eventIds.length + 1;
      expect(stored).toEqual(
        ack.eventIds.map((_, i) => ({
          seq: expect.any(Number),
          stream: ack.stream,
          revision: firstRevision + i,
        })),
      );
      if (ack.firstRevision !== null) expect(firstRevision).toBe(ack.firstRevision);
      expect(stored[stored.length - 1]!.seq).toBe(Number(ack.position));
      // Acknowledgements of one run arrive in commit order.
      expect(Number(ack.position)).toBeGreaterThan(previousPosition);
      previousPosition = Number(ack.position);
    }

    const gaps = db
      .prepare(
        'SELECT stream, COUNT(*) AS count, MIN(revision) AS low, MAX(revision) AS high FROM events GROUP BY stream',
      )
      .all() as { stream: string; count: number; low: number; high: number }[];
    expect(gaps.filter((s) => s.low !== 0 || s.high !== s.count - 1)).toEqual([]);

    const torn = db
      .prepare(
        `SELECT json_extract(metadata, '$.batchId') AS batch, COUNT(*) AS count,
                MAX(json_extract(metadata, '$.batchSize')) AS size,
                MAX(revision) - MIN(revision) + 1 AS revisions, MAX(seq) - MIN(seq) + 1 AS positions
           FROM events WHERE seq > ? GROUP BY batch HAVING count != size OR revisions != size OR positions != size`,
      )
      .all(afterSeq);
    expect(torn).toEqual([]);
    return (db.prepare('SELECT MAX(seq) AS head FROM events').get() as { head: number | null }).head ?? 0;
  } finally {
    db.close();
  }
}

describe('SQLite event store under SIGKILL', () => {
  const directory = mkdtempSync(join(tmpdir(), 'timeline-crash-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it(
    `keeps every acknowledged append through ${ROUNDS} kills at random moments`,
    async () => {
      const file = join(directory, 'crash.db');
      const everything: Acknowledgement[] = [];
      let acknowledgedRounds = 0;
      let head = 0;

      for (let round = 1; round <= ROUNDS; round++) {
        // One round in five is an early kill; never the last, so some round always acknowledges appends.
        const early = round < ROUNDS && Math.random() < 0.2;
        const { acknowledgements } = await runAndKill(file, round, early);
        if (acknowledgements.length > 0) acknowledgedRounds++;
        head = checkFile(file, head, acknowledgements);
        everything.push(...acknowledgements);
      }

      // Rounds ran long enough to acknowledge appends before most kills: the check above was not vacuous.
      expect(acknowledgedRounds).toBeGreaterThan(0);
      const db = new Database(file, { readonly: true });
      try {
        const present = db.prepare<[string], { n: number }>(
          'SELECT COUNT(*) AS n FROM events WHERE event_id = ?',
        );
        const missing = everything.flatMap((ack) => ack.eventIds).filter((id) => present.get(id)!.n !== 1);
        expect(missing).toEqual([]);
      } finally {
        db.close();
      }
      process.stdout.write(
        `crash test: ${ROUNDS} kills, ${everything.length} acknowledged appends, ${everything.reduce((n, a) => n + a.eventIds.length, 0)} events checked\n`,
      );
    },
    30_000 + ROUNDS * 8_000,
  );
});
