import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, type EventStore } from '@timeline/event-store';
import { EventStoreDbTestServer } from '../../../../test/support/eventstoredb-test-server/eventstoredb-test-server';
import { aHistory, appendSealed } from '../testing/sealed-history.fixture';
import { referenceRoot } from './merkle-hashing';
import { MerkleLog } from './merkle-log';
import { MerkleLogFollower } from './merkle-log.follower';
import { Ed25519TreeHeadSigner, ed25519PublicKey } from './tree-head';
import { TreeHeadIssuer } from './tree-head.issuer';
import { verifyStoreAgainstTreeHeads } from './tree-head.verification';

jest.setTimeout(60_000);

/** The tree on EventStoreDB (its gRPC protocol test server): built from $all, followed live, rebuilt when missing. */
describe('the Merkle log over EventStoreDB', () => {
  let server: EventStoreDbTestServer;
  let store: EventStore;
  let dir: string;

  beforeEach(async () => {
    server = await EventStoreDbTestServer.start();
    store = await createEventStore({ kind: 'eventstoredb', connectionString: server.connectionString });
    dir = await mkdtemp(join(tmpdir(), 'timeline-merkle-esdb-'));
  });
  afterEach(async () => {
    await store.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('follows the log in commit order, live, and a rebuilt tree has the same root', async () => {
    const venetic = await appendSealed(store, 'venetic', aHistory('venetic', 20), 7);
    const alpha = await appendSealed(store, 'alpha', aHistory('alpha', 5));
    await store.append('not-an-operation', [
      { eventId: '0190a6f0-0000-7000-8000-00000000eeee', type: 'Other', data: {}, metadata: {} },
    ]);

    const file = join(dir, 'merkle', 'leaves.bin');
    const log = MerkleLog.openFile(file);
    const follower = new MerkleLogFollower(store, log);
    await follower.start();
    await follower.sync();
    const later = await appendSealed(store, 'venetic', aHistory('venetic', 3, 20));
    for (let waited = 0; log.size < 28 && waited < 10_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    follower.stop();

    const expected = [...venetic, ...alpha, ...later].map((event) => Buffer.from(event.envelope.hash, 'hex'));
    expect(log.size).toBe(28);
    expect(log.rootAt().equals(referenceRoot(expected))).toBe(true);
    const signer = Ed25519TreeHeadSigner.fromPem(
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    const { head } = await new TreeHeadIssuer(log, signer, []).issue();
    log.close();

    const rebuilt = MerkleLog.openFile(join(dir, 'rebuilt', 'leaves.bin'));
    const again = new MerkleLogFollower(store, rebuilt);
    await again.start();
    await again.sync();
    again.stop();
    expect(rebuilt.rootAt().toString('hex')).toBe(head.rootHash);
    rebuilt.close();

    const check = await verifyStoreAgainstTreeHeads(store, [head], ed25519PublicKey(signer.publicKeyPem));
    expect(check).toMatchObject({ ok: true, leaves: 28, heads: [{ status: 'matches' }] });
  });
});
