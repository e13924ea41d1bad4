import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ed25519PublicKey,
  verifyExportFiles,
  leafHash,
  treeHeadProblem,
  verifyConsistency,
  verifyInclusion,
} from '@timeline/integrity';
import agencyJoinedExample from '../events/catalogue/AgencyJoined/v1.example.json';
import intelligenceExample from '../events/catalogue/IntelligenceReceived/v2.example.json';
import launchExample from '../events/catalogue/OperationLaunched/v1.example.json';
import { apiClient, type ApiClient } from './support/api-client';
import { startTestApp, type TestApp } from './support/test-app';
import { TransparencyService } from '../apps/api/src/transparency/transparency.service';

jest.setTimeout(60_000);

const VERIFY_MERKLE = join(__dirname, '..', 'docs', 'tools', 'verify_merkle.py');
const nca = { role: 'recorder' as const, agency: 'NCA' };
const auditor = { role: 'auditor' as const, agency: 'NCA' };
const ids = {
  launch: '0190a6f0-0000-7000-8000-0000000000a1',
  joined: '0190a6f0-0000-7000-8000-0000000000a2',
  arrest: (n: number) => `0190a6f0-0000-7000-8000-0000000001${n.toString().padStart(2, '0')}`,
};

/** A webhook target on 127.0.0.1 that records every body POSTed to it. */
async function startWebhook(): Promise<{ url: string; bodies: unknown[]; server: Server }> {
  const bodies: unknown[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push(JSON.parse(text));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/heads`, bodies, server };
}

describe('signed tree heads and Merkle proofs over HTTP', () => {
  let testApp: TestApp;
  let api: ApiClient;
  let outside: string;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  async function recordArrests(from: number, count: number): Promise<void> {
    for (let n = from; n < from + count; n += 1) {
      const response = await api
        .as(nca)
        .post('/operations/venetic/events')
        .send({
          events: [
            {
              eventId: ids.arrest(n),
              type: 'IntelligenceReceived',
              occurredAt: '2020-06-13T05:30:00Z',
              data: {
                ...intelligenceExample,
                reportRef: `VEN-INT-2020-${String(n).padStart(6, '0')}`,
                grading: { source: 1, intelligence: 'B', handling: 'P' },
              },
            },
          ],
        });
      expect([response.status, response.body.errors]).toEqual([201, undefined]);
    }
  }

  beforeAll(async () => {
    outside = mkdtempSync(join(tmpdir(), 'timeline-heads-'));
    webhook = await startWebhook();
    testApp = await startTestApp({
      env: {
        TREE_HEAD_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        TREE_HEADS_FILE: join(outside, 'heads.jsonl'),
        TREE_HEAD_WEBHOOK_URL: webhook.url,
        TREE_HEAD_INTERVAL_SECONDS: '0',
      },
    });
    api = apiClient(testApp.app);
    // The tree opens and catches up in the background after a start.
    await testApp.app.get(TransparencyService).caughtUp();
    const launched = await api
      .as(nca)
      .post('/operations/venetic/events')
      .send({
        events: [
          {
            eventId: ids.launch,
            type: 'OperationLaunched',
            occurredAt: '2020-03-26T09:00:00Z',
            data: launchExample,
          },
          {
            eventId: ids.joined,
            type: 'AgencyJoined',
            occurredAt: '2020-04-01T08:00:00Z',
            data: agencyJoinedExample,
          },
        ],
      });
    expect(launched.status).toBe(201);
    await recordArrests(0, 3);
  });
  afterAll(async () => {
    await testApp.close();
    webhook.server.close();
    rmSync(outside, { recursive: true, force: true });
  });

  it('signs a head over the whole log on demand and publishes it to the file, the log and the webhook', async () => {
    const issued = await api.as(auditor).post('/transparency/heads');
    expect(issued.status).toBe(201);
    const head = issued.body.head;
    expect(head).toMatchObject({ format: 'operation-timeline.tree-head.v1', treeSize: 5 });
    expect(treeHeadProblem(head, ed25519PublicKey(publicPem))).toBeNull();
    expect(issued.body.publications).toEqual([
      { target: 'log', ok: true },
      { target: `file:${join(outside, 'heads.jsonl')}`, ok: true },
      { target: `webhook:${webhook.url}`, ok: true },
    ]);
    expect(readFileSync(join(outside, 'heads.jsonl'), 'utf8')).toBe(`${JSON.stringify(head)}\n`);
    expect(webhook.bodies).toEqual([head]);
    expect((await api.as(auditor).get('/transparency/heads/latest')).body).toEqual(head);
    const key = await api.as(auditor).get('/transparency/key');
    expect(key.body).toEqual({ algorithm: 'Ed25519', keyId: head.keyId, publicKey: publicPem });
  });

  it("shows the tree's state on /health: its status to anyone, its details to admins", async () => {
    const details = await api.as({ role: 'admin', agency: 'NCA' }).get('/health/details');
    expect(details.body.transparency).toEqual({
      status: 'up',
      state: 'following',
      treeSize: 5,
      latestHeadSize: 5,
      divergence: null,
      startUpMs: expect.any(Number),
    });
    const anyone = await api.anonymous().get('/health');
    expect(anyone.body.transparency).toEqual({ status: 'up' });
  });

  it('proves an event in a head, and the proof checks with nothing of this software', async () => {
    const head = (await api.as(auditor).get('/transparency/heads/latest')).body;
    const response = await api.as(auditor).get(`/operations/venetic/events/${ids.arrest(1)}/proof`);
    expect(response.status).toBe(200);
    const proof = response.body;
    expect(proof).toMatchObject({
      operationId: 'venetic',
      eventId: ids.arrest(1),
      leafIndex: 3,
      treeSize: 5,
    });
    expect(proof.rootHash).toBe(head.rootHash);
    const path = proof.auditPath.map((hash: string) => Buffer.from(hash, 'hex'));
    const leaf = leafHash(Buffer.from(proof.eventHash, 'hex'));
    expect(
      verifyInclusion(leaf, proof.leafIndex, proof.treeSize, path, Buffer.from(head.rootHash, 'hex')),
    ).toBe(true);

    const [event] = (await api.as(auditor).get('/operations/venetic/events?fromRevision=3&limit=1')).body
      .events;
    expect(event.hash).toBe(proof.eventHash);
    const files = {
      key: join(outside, 'key.pem'),
      head: join(outside, 'head.json'),
      proof: join(outside, 'proof.json'),
      event: join(outside, 'event.json'),
    };
    writeFileSync(files.key, publicPem);
    writeFileSync(files.head, JSON.stringify(head));
    writeFileSync(files.proof, JSON.stringify(proof));
    writeFileSync(files.event, JSON.stringify(event));
    const run = (args: string[]) =>
      promisify(execFile)('python3', [VERIFY_MERKLE, '--public-key', files.key, ...args]).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    const ok = await run(['--head', files.head, '--inclusion', files.proof, '--event', files.event]);
    expect(ok).toEqual({ code: 0, stdout: expect.stringMatching(/^OK: head: treeSize 5/) });
    expect(ok.stdout).toContain(`event ${ids.arrest(1)} is leaf 3 of the head's tree`);

    writeFileSync(
      files.event,
      JSON.stringify({ ...event, data: { ...event.data, reportRef: 'VEN-INT-2020-999999' } }),
    );
    expect(await run(['--head', files.head, '--inclusion', files.proof, '--event', files.event])).toEqual({
      code: 1,
      stdout: `event ${ids.arrest(1)}: its content does not give the proven hash\n`,
    });
    const otherPath = [...proof.auditPath];
    otherPath[0] = otherPath[0].replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    writeFileSync(files.proof, JSON.stringify({ ...proof, auditPath: otherPath }));
    expect((await run(['--head', files.head, '--inclusion', files.proof])).code).toBe(1);
    const { privateKey: otherKey } = generateKeyPairSync('ed25519');
    const { sign } = await import('node:crypto');
    writeFileSync(
      files.head,
      JSON.stringify({ ...head, signature: sign(null, Buffer.from('forged'), otherKey).toString('hex') }),
    );
    expect(await run(['--head', files.head])).toEqual({
      code: 1,
      stdout: 'head 1 (treeSize 5): signature does not verify\n',
    });
  });

  it('proves that a later head extends an earlier one, for the api and for the independent script', async () => {
    const first = (await api.as(auditor).get('/transparency/heads/latest')).body;
    await recordArrests(3, 4);
    const second = (await api.as(auditor).post('/transparency/heads')).body.head;
    expect(second.treeSize).toBe(9);
    const response = await api
      .as(auditor)
      .get(`/transparency/consistency?from=${first.treeSize}&to=${second.treeSize}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      fromSize: 5,
      toSize: 9,
      fromRoot: first.rootHash,
      toRoot: second.rootHash,
    });
    const proof = response.body.proof.map((hash: string) => Buffer.from(hash, 'hex'));
    expect(
      verifyConsistency(5, 9, Buffer.from(first.rootHash, 'hex'), Buffer.from(second.rootHash, 'hex'), proof),
    ).toBe(true);

    writeFileSync(join(outside, 'key.pem'), publicPem);
    writeFileSync(join(outside, 'head-1.json'), JSON.stringify(first));
    writeFileSync(join(outside, 'consistency.json'), JSON.stringify(response.body));
    const { stdout } = await promisify(execFile)('python3', [
      VERIFY_MERKLE,
      ...['--public-key', join(outside, 'key.pem'), '--head', join(outside, 'heads.jsonl')],
      ...['--consistency', join(outside, 'consistency.json'), '--old-head', join(outside, 'head-1.json')],
    ]);
    expect(stdout).toContain('the tree of 9 extends the tree of 5');
    expect(webhook.bodies).toHaveLength(2);
  });

  it('exports an operation with the head it was taken at and every event’s inclusion proof, checked offline', async () => {
    const response = await api.as(auditor).get('/operations/venetic/export');
    expect(response.status).toBe(200);
    const lines = response.text.trimEnd().split('\n');
    const { manifest } = JSON.parse(lines[lines.length - 1]);
    const published = readFileSync(join(outside, 'heads.jsonl'), 'utf8').trimEnd().split('\n');
    expect(manifest.inclusion.treeHead).toEqual(JSON.parse(published[published.length - 1]));
    expect(manifest.inclusion).toMatchObject({ treeHead: { treeSize: 9 }, notCovered: 0 });
    expect(manifest.inclusion.proofs.map((proof: { leafIndex: number }) => proof.leafIndex)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    const file = join(outside, 'venetic.ndjson');
    writeFileSync(file, response.text);
    const treeHeadKey = ed25519PublicKey(publicPem);
    expect(await verifyExportFiles({ ndjsonPath: file, treeHeadKey })).toMatchObject({
      ok: true,
      problems: [],
    });
    writeFileSync(join(outside, 'key.pem'), publicPem);
    const python = (path: string) =>
      promisify(execFile)('python3', [
        VERIFY_MERKLE,
        '--public-key',
        join(outside, 'key.pem'),
        '--export',
        path,
      ]).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    const independent = await python(file);
    expect(independent.code).toBe(0);
    expect(independent.stdout).toContain('9 exported events are in it, 0 were recorded after it');

    const forged = { ...manifest.inclusion.proofs[4], leafIndex: 5 };
    const altered = {
      ...manifest,
      inclusion: { ...manifest.inclusion, proofs: manifest.inclusion.proofs.with(4, forged) },
    };
    writeFileSync(file, [...lines.slice(0, -1), JSON.stringify({ manifest: altered })].join('\n') + '\n');
    expect(await python(file)).toEqual({
      code: 1,
      stdout: `line 5: event ${ids.arrest(2)} is not in the tree head\n`,
    });
    const result = await verifyExportFiles({ ndjsonPath: file, treeHeadKey });
    expect(result.problems).toEqual([
      {
        code: 'inclusion-proof-fails',
        line: 5,
        message: `event ${ids.arrest(2)} is not leaf 5 of the tree head's tree`,
      },
    ]);
  });

  it('is for auditors of the operation, and refuses malformed or impossible tree sizes with a field error', async () => {
    const proofPath = `/operations/venetic/events/${ids.arrest(0)}/proof`;
    expect((await api.as(nca).get(proofPath)).status).toBe(403);
    expect((await api.as({ role: 'auditor', agency: 'GMP' }).get(proofPath)).status).toBe(404);
    expect((await api.as(nca).post('/transparency/heads')).status).toBe(403);
    const malformed = await api.as(auditor).get(`${proofPath}?treeSize=abc&depth=2`);
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
    expect(malformed.body).toMatchObject({
      code: 'transparency.invalid-query',
      errors: [
        { path: 'depth', constraint: 'whitelist', message: 'is not a parameter of this route' },
        { path: 'treeSize', constraint: 'isTreeSize', message: 'must be a positive integer tree size' },
      ],
    });
    const beyond = await api.as(auditor).get(`${proofPath}?treeSize=1000`);
    expect(beyond.status).toBe(400);
    expect(beyond.body.errors).toEqual([
      { path: 'treeSize', constraint: 'max', message: 'must be at most 9, the size of the tree' },
    ]);
    const before = await api.as(auditor).get(`${proofPath}?treeSize=2`);
    expect(before).toMatchObject({ status: 409, body: { code: 'transparency.event-not-in-tree' } });
    const unknown = await api
      .as(auditor)
      .get('/operations/venetic/events/0190a6f0-0000-7000-8000-00000000ffff/proof');
    expect(unknown).toMatchObject({ status: 404, body: { code: 'transparency.event-not-found' } });
    expect((await api.as(auditor).get('/transparency/consistency')).body.errors).toEqual([
      { path: 'from', constraint: 'isDefined', message: 'is required' },
    ]);
  });
});

describe('the first tree head', () => {
  it('is signed and published once the tree has caught up after start-up, when heads are scheduled', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'timeline-heads-'));
    const { privateKey } = generateKeyPairSync('ed25519');
    const testApp = await startTestApp({
      env: {
        TREE_HEAD_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        TREE_HEADS_FILE: join(outside, 'heads.jsonl'),
        TREE_HEAD_INTERVAL_SECONDS: '3600',
      },
    });
    try {
      const api = apiClient(testApp.app);
      let latest = await api.as(auditor).get('/transparency/heads/latest');
      for (let attempt = 0; latest.status === 404 && attempt < 100; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        latest = await api.as(auditor).get('/transparency/heads/latest');
      }
      expect(latest.status).toBe(200);
      // An empty log: the empty tree's root is SHA-256 of nothing (RFC 9162).
      expect(latest.body).toMatchObject({
        treeSize: 0,
        rootHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      });
      expect(readFileSync(join(outside, 'heads.jsonl'), 'utf8')).toBe(`${JSON.stringify(latest.body)}\n`);
    } finally {
      await testApp.close();
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
