import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEventStore, type EventStore } from '@timeline/event-store';
import { computeEventHash } from '../chain/hash-chain';
import { aHistory, appendSealed } from '../testing/sealed-history.fixture';
import { verifyLog } from '../verify/store-verification';
import { MerkleLog } from './merkle-log';
import { MerkleLogFollower } from './merkle-log.follower';
import { Ed25519TreeHeadSigner, ed25519PublicKey, type SignedTreeHead } from './tree-head';
import { TreeHeadIssuer } from './tree-head.issuer';
import { FileTreeHeadPublisher } from './tree-head.publishers';
import { readPublishedTreeHeads, verifyStoreAgainstTreeHeads } from './tree-head.verification';

function ed25519Pem(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * What an insider with write access to the embedded store's file can do that
 * the hash chains cannot reveal — rewrite an event and re-chain everything
 * after it, or cut the end of the log — checked against tree heads published
 * outside the data directory before the change.
 */
describe('tree heads against a store rewritten by an insider', () => {
  let dir: string;
  let storeFile: string;
  let treeFile: string;
  let headsFile: string;
  let eventIds: string[];
  const key = ed25519Pem();

  async function withStore<T>(work: (store: EventStore) => Promise<T>): Promise<T> {
    const store = await createEventStore({ kind: 'sqlite', file: storeFile });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }

  /** The api's part: follow the log into the tree file, and publish a signed head. */
  async function publishHead(store: EventStore): Promise<SignedTreeHead> {
    const log = MerkleLog.openFile(treeFile);
    const follower = new MerkleLogFollower(store, log);
    try {
      await follower.start();
      await follower.sync();
      const issuer = new TreeHeadIssuer(log, Ed25519TreeHeadSigner.fromPem(key.privatePem), [
        new FileTreeHeadPublisher(headsFile),
      ]);
      const issued = await issuer.issue();
      expect(issued.publications).toEqual([{ target: `file:${headsFile}`, ok: true }]);
      return issued.head;
    } finally {
      follower.stop();
      log.close();
    }
  }

  async function check(options: { reference?: boolean } = {}) {
    const heads = await readPublishedTreeHeads(headsFile);
    const reference = options.reference ? MerkleLog.openFile(treeFile) : undefined;
    try {
      return await withStore((store) =>
        verifyStoreAgainstTreeHeads(store, heads, ed25519PublicKey(key.publicPem), {
          reference,
          pageSize: 4,
        }),
      );
    } finally {
      reference?.close();
    }
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-merkle-'));
    storeFile = join(dir, 'data', 'events.db');
    treeFile = join(dir, 'data', 'merkle', 'leaves.bin');
    headsFile = join(dir, 'published', 'heads.jsonl');
    await withStore(async (store) => {
      const first = await appendSealed(store, 'venetic', aHistory('venetic', 8), 3);
      await publishHead(store);
      const second = await appendSealed(store, 'venetic', aHistory('venetic', 4, 8));
      const alpha = await appendSealed(store, 'alpha', aHistory('alpha', 3));
      await publishHead(store);
      eventIds = [...first, ...second, ...alpha].map((event) => event.eventId);
    });
    const db = new Database(storeFile);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('finds the untouched store matching every published head, consistently', async () => {
    const result = await check();
    expect(result).toMatchObject({
      ok: true,
      leaves: 15,
      heads: [
        { line: 1, treeSize: 8, status: 'matches' },
        { line: 2, treeSize: 15, status: 'matches' },
      ],
      consistency: [{ from: { treeSize: 8 }, to: { treeSize: 15 }, consistent: true, provenBy: 'log' }],
      firstFailure: null,
    });
  });

  it('catches an event rewritten and the rest of its chain re-hashed, which the chains cannot see', async () => {
    const db = new Database(storeFile);
    db.exec('DROP TRIGGER events_are_immutable_update');
    const rows = db
      .prepare(
        "SELECT event_id, type, data, metadata FROM events WHERE stream = 'operation-venetic' ORDER BY seq",
      )
      .all() as { event_id: string; type: string; data: string; metadata: string }[];
    let prevHash = '';
    for (const [revision, row] of rows.entries()) {
      const data = JSON.parse(row.data);
      const metadata = JSON.parse(row.metadata);
      if (revision < 2) {
        prevHash = metadata.hash;
        continue;
      }
      if (revision === 2) data.subjectId = 'SUBJ-ALTERED';
      metadata.prevHash = prevHash;
      metadata.hash = computeEventHash({ eventId: row.event_id, type: row.type, data, envelope: metadata });
      prevHash = metadata.hash;
      db.prepare('UPDATE events SET data = ?, metadata = ? WHERE event_id = ?').run(
        JSON.stringify(data),
        JSON.stringify(metadata),
        row.event_id,
      );
    }
    db.close();

    expect(await withStore((store) => verifyLog(store))).toMatchObject({ ok: true, events: 15 });

    const alone = await check();
    expect(alone.ok).toBe(false);
    expect(alone.heads.map((head) => head.status)).toEqual(['root-differs', 'root-differs']);
    expect(alone.firstFailure).toEqual({ kind: 'range', fromLeaf: 0, toLeaf: 8, againstLine: 1 });

    const withTree = await check({ reference: true });
    expect(withTree.firstFailure).toEqual({
      kind: 'event',
      leafIndex: 2,
      eventId: eventIds[2],
      operationId: 'venetic',
      revision: 2,
      position: '3',
      reason: 'not-included',
      againstLine: 2,
    });
    expect(withTree.consistency).toEqual([
      {
        from: { line: 1, treeSize: 8 },
        to: { line: 2, treeSize: 15 },
        consistent: true,
        provenBy: 'reference-tree',
      },
    ]);
  });

  it('catches the last events of the log removed, and the api refuses to extend a tree the log no longer holds', async () => {
    const db = new Database(storeFile);
    db.exec('DROP TRIGGER events_are_immutable_delete');
    db.prepare('DELETE FROM events WHERE event_id IN (?, ?)').run(eventIds[13], eventIds[14]);
    db.close();

    expect(await withStore((store) => verifyLog(store))).toMatchObject({ ok: true, events: 13 });
    const result = await check({ reference: true });
    expect(result).toMatchObject({
      ok: false,
      leaves: 13,
      heads: [
        { line: 1, status: 'matches' },
        { line: 2, status: 'log-shorter', detail: 'the head covers 15 events, the log holds 13' },
      ],
      firstFailure: { kind: 'event', leafIndex: 13, position: '14', reason: 'missing', againstLine: 2 },
    });

    await withStore(async (store) => {
      const log = MerkleLog.openFile(treeFile);
      const follower = new MerkleLogFollower(store, log);
      await follower.start();
      expect(follower.state).toBe('diverged');
      expect(follower.divergence).toMatchObject({ leafIndex: 13, position: '14', logHolds: null });
      follower.stop();
      log.close();
    });
  });

  it('refuses a head signed with another key, even one that names the trusted key', async () => {
    const other = ed25519Pem();
    const forged = await withStore(async (store) => {
      const log = MerkleLog.inMemory();
      const follower = new MerkleLogFollower(store, log);
      await follower.start();
      await follower.sync();
      const head = await new TreeHeadIssuer(log, Ed25519TreeHeadSigner.fromPem(other.privatePem), []).issue();
      follower.stop();
      return head.head;
    });
    const trustedKeyId = Ed25519TreeHeadSigner.fromPem(key.privatePem).keyId;
    const heads = [...(await readPublishedTreeHeads(headsFile)), forged, { ...forged, keyId: trustedKeyId }];
    const result = await withStore((store) =>
      verifyStoreAgainstTreeHeads(store, heads, ed25519PublicKey(key.publicPem)),
    );
    expect(result.ok).toBe(false);
    expect(result.heads.slice(2)).toMatchObject([
      { line: 3, status: 'refused', detail: expect.stringContaining('not the trusted key') },
      { line: 4, status: 'refused', detail: 'signature does not verify' },
    ]);
    expect(result.heads.slice(0, 2).map((head) => head.status)).toEqual(['matches', 'matches']);
  });
});
