import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEventStore, type EventStore } from '@timeline/event-store';
import {
  Ed25519TreeHeadSigner,
  FileTreeHeadPublisher,
  MerkleLog,
  MerkleLogFollower,
  TreeHeadIssuer,
  computeEventHash,
} from '@timeline/integrity';
import { aHistory, appendSealed } from '@timeline/integrity/testing/sealed-history.fixture';
import { runCli } from '../cli';
import type { CliContext } from '../cli-command';

describe('verify-heads', () => {
  let dir: string;
  let eventIds: string[];
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');

  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const output = { out: '', err: '' };
    const context: CliContext = {
      out: (text) => (output.out += text),
      err: (text) => (output.err += text),
      env: {},
      cwd: dir,
      now: () => new Date('2020-07-02T12:00:00.000Z'),
      user: 'auditor-1',
      software: { name: 'operation-timeline', version: '0.1.0' },
      openStore: (options) => createEventStore(options),
      progress: () => ({ update: () => undefined, stop: () => undefined }),
      fetch: () => Promise.reject(new Error('no network in this test')),
    };
    const code = await runCli(argv, context);
    return { code, ...output };
  }

  async function publishHead(store: EventStore): Promise<void> {
    const log = MerkleLog.openFile(join(dir, 'data', 'merkle', 'leaves.bin'));
    const follower = new MerkleLogFollower(store, log);
    await follower.start();
    await follower.sync();
    const signer = Ed25519TreeHeadSigner.fromPem(
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    await new TreeHeadIssuer(log, signer, [new FileTreeHeadPublisher(join(dir, 'heads.jsonl'))]).issue();
    follower.stop();
    log.close();
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-cli-heads-'));
    await writeFile(join(dir, 'key.pem'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const store = await createEventStore({ kind: 'sqlite', file: join(dir, 'data', 'events.db') });
    const first = await appendSealed(store, 'venetic', aHistory('venetic', 6));
    await publishHead(store);
    const second = await appendSealed(store, 'venetic', aHistory('venetic', 3, 6));
    await publishHead(store);
    await store.close();
    eventIds = [...first, ...second].map((event) => event.eventId);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** An insider's rewrite: the event at `revision` changed, every later event of the chain re-hashed. */
  function rewriteFrom(revision: number): void {
    const db = new Database(join(dir, 'data', 'events.db'));
    db.exec('DROP TRIGGER events_are_immutable_update');
    const rows = db.prepare('SELECT event_id, type, data, metadata FROM events ORDER BY seq').all() as {
      event_id: string;
      type: string;
      data: string;
      metadata: string;
    }[];
    let prevHash = '';
    rows.forEach((row, index) => {
      const data = JSON.parse(row.data);
      const metadata = JSON.parse(row.metadata);
      if (index >= revision) {
        if (index === revision) data.subjectId = 'SUBJ-ALTERED';
        metadata.prevHash = prevHash;
        metadata.hash = computeEventHash({ eventId: row.event_id, type: row.type, data, envelope: metadata });
        db.prepare('UPDATE events SET data = ?, metadata = ? WHERE event_id = ?').run(
          JSON.stringify(data),
          JSON.stringify(metadata),
          row.event_id,
        );
      }
      prevHash = metadata.hash;
    });
    db.close();
  }

  it('passes an untouched store against its published heads, exit 0', async () => {
    const result = await run(['verify-heads', 'heads.jsonl', '--public-key', 'key.pem']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^OK: 9 events in the log, 2 published heads, tree file .*leaves\.bin\n/);
    expect(result.out).toContain('head 1 (treeSize 6, ');
    expect(result.out).toContain('heads 1 -> 2 (size 6 -> 9): consistent (proved from the tree file)');
  });

  it('names the first rewritten event, though the chains were re-hashed after it, exit 1', async () => {
    rewriteFrom(4);
    expect((await run(['verify', '--data-dir', 'data'])).code).toBe(0);

    const named = await run(['verify-heads', 'heads.jsonl', '--public-key', 'key.pem']);
    expect(named.code).toBe(1);
    expect(named.out).toContain(': ROOT DIFFERS: ');
    expect(named.out).toContain(
      `FIRST FAILURE: event ${eventIds[4]} (operation venetic, revision 4, position 5, event 4 of the log): not included against head 2`,
    );

    await unlink(join(dir, 'data', 'merkle', 'leaves.bin'));
    const ranged = await run(['verify-heads', 'heads.jsonl', '--public-key', 'key.pem', '--json']);
    expect(ranged.code).toBe(1);
    expect(JSON.parse(ranged.out)).toMatchObject({
      ok: false,
      heads: [{ status: 'root-differs' }, { status: 'root-differs' }],
      firstFailure: { kind: 'range', fromLeaf: 0, toLeaf: 6, againstLine: 1 },
    });
  });

  it('exports with the newest head the store still reproduces and its proofs, and refuses when it reproduces none', async () => {
    const exported = await run([
      'export',
      '--all',
      '--out',
      'all',
      '--tree-heads',
      'heads.jsonl',
      '--public-key',
      'key.pem',
    ]);
    expect([exported.code, exported.err]).toEqual([0, '']);
    expect(exported.out).toContain('  tree head 9 ');
    expect(exported.out).toContain(': 9 events proven, 0 after it\n');
    const verified = await run(['verify-export', 'all.ndjson', '--public-key', 'key.pem']);
    expect(verified.code).toBe(0);
    expect(verified.out).toMatch(
      /tree head: size 9, root [0-9a-f]{64}, .*; 9 events proven in it, 0 after it; signature checked/,
    );

    const { publicKey: other } = generateKeyPairSync('ed25519');
    await writeFile(join(dir, 'other.pem'), other.export({ type: 'spki', format: 'pem' }).toString());
    const wrongKey = await run(['verify-export', 'all.ndjson', '--public-key', 'other.pem']);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.out).toContain('inclusion-mismatch: the tree head is refused: signed with key');

    rewriteFrom(7);
    const older = await run([
      'export',
      '--all',
      '--out',
      'late',
      '--tree-heads',
      'heads.jsonl',
      '--public-key',
      'key.pem',
    ]);
    expect(older.code).toBe(0);
    expect(older.out).toContain('  tree head 6 ');
    expect(older.out).toContain(': 6 events proven, 3 after it\n');
    rewriteFrom(1);
    const none = await run([
      'export',
      '--all',
      '--out',
      'none',
      '--tree-heads',
      'heads.jsonl',
      '--public-key',
      'key.pem',
    ]);
    expect([none.code, none.err]).toEqual([
      1,
      'error: the store reproduces none of the signed heads in ' +
        join(dir, 'heads.jsonl') +
        '; run verify-heads to see why\n',
    ]);
  });

  it('refuses a key that is not Ed25519 as a usage error, exit 2', async () => {
    const { publicKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await writeFile(join(dir, 'rsa.pem'), rsa.export({ type: 'spki', format: 'pem' }).toString());
    const result = await run(['verify-heads', 'heads.jsonl', '--public-key', 'rsa.pem']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('tree heads are signed with Ed25519; this key is rsa');
  });
});
