import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '@timeline/kernel';
import type { TimelineEvent } from '@timeline/events';
import { toTimelineEvent } from '../events/timeline-event.mapper';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { aHistory, anUnsealedEvent, appendSealed, fixedEventId } from '../testing/sealed-history.fixture';
import { EvidentialExport } from './evidential-export';
import { exportFilePaths, writeExportFiles } from './export-files';
import { HASHING_RULE, manifestLine, type ExportScope } from './export-manifest';
import { verifyExportFiles } from './export-verifier';

const provenance = {
  exportedAt: '2020-07-02T12:00:00.000Z',
  exportedBy: 'auditor-ipco-1',
  software: { name: 'operation-timeline', version: '0.1.0' },
};

async function drain(run: EvidentialExport): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of run.lines()) lines.push(line);
  return lines;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe('EvidentialExport', () => {
  const scope: ExportScope = { kind: 'operation', operationId: 'venetic' };
  let store: InMemoryEventStore;
  beforeEach(async () => {
    store = new InMemoryEventStore();
    await appendSealed(store, 'venetic', [
      anUnsealedEvent('venetic', 0, {
        type: 'OperationLaunched',
        data: { codename: 'VENETIC', leadAgency: 'NCA' },
        eventId: fixedEventId(2, 0),
      }),
      ...aHistory('venetic', 9, 1),
    ]);
  });

  it('writes every event as canonical JSON in revision order and a manifest of exact figures', async () => {
    const run = new EvidentialExport(
      store,
      { kind: 'operation', operationId: 'venetic' },
      { ...provenance, pageSize: 4 },
    );
    const lines = await drain(run);
    expect(lines).toEqual(store.log.map((event) => `${canonicalJson(toTimelineEvent(event))}\n`));
    const text = lines.join('');
    expect(run.manifest()).toEqual({
      format: 'operation-timeline.evidential-export',
      formatVersion: 1,
      scope: { kind: 'operation', operationId: 'venetic' },
      ...provenance,
      upToPosition: '10',
      events: 10,
      withheld: 0,
      countsByType: { ArrestMade: 9, OperationLaunched: 1 },
      first: { position: '1', recordedAt: '2020-06-13T08:00:00.000Z' },
      last: { position: '10', recordedAt: '2020-06-13T08:09:00.000Z' },
      chain: {
        intact: true,
        heads: [{ operationId: 'venetic', revision: 9, hash: store.log[9].metadata.hash }],
      },
      ndjson: { sha256: sha256(text), bytes: Buffer.byteLength(text), lines: 10 },
      hashing: HASHING_RULE,
    });
  });

  it('reads the store one page at a time, only as lines are taken', async () => {
    await appendSealed(store, 'venetic', aHistory('venetic', 1990, 10));
    const run = new EvidentialExport(
      store,
      { kind: 'operation', operationId: 'venetic' },
      { ...provenance, pageSize: 100 },
    );
    store.reads.length = 0;
    const lines = run.lines();
    await lines.next();
    // The head probe, then the first page: nothing beyond it is read before it is consumed.
    expect(store.reads).toEqual([
      { kind: 'stream', maxCount: 1 },
      { kind: 'stream', maxCount: 100 },
    ]);
    for (let taken = 1; taken < 150; taken += 1) await lines.next();
    expect(store.reads).toHaveLength(3);
    let rest = 150;
    while (!(await lines.next()).done) rest += 1;
    expect(rest).toBe(2000);
    expect(store.reads.every((read) => read.maxCount !== undefined && read.maxCount <= 100)).toBe(true);
    expect(store.reads).toHaveLength(22);
  });

  it('leaves out events appended while the export runs', async () => {
    const run = new EvidentialExport(
      store,
      { kind: 'operation', operationId: 'venetic' },
      { ...provenance, pageSize: 3 },
    );
    const lines = run.lines();
    await lines.next();
    await appendSealed(store, 'venetic', aHistory('venetic', 2, 10));
    let count = 1;
    while (!(await lines.next()).done) count += 1;
    expect(count).toBe(10);
    expect(run.manifest().upToPosition).toBe('10');
  });

  it('exports every operation of the log, with one chain head per operation', async () => {
    await appendSealed(store, 'alpha', aHistory('alpha', 2));
    await store.append('access-audit', [
      { eventId: fixedEventId(9, 1), type: 'HistoryRead', data: {}, metadata: {} },
    ]);
    const run = new EvidentialExport(store, { kind: 'log' }, provenance);
    const lines = await drain(run);
    expect(lines).toHaveLength(12);
    const manifest = run.manifest();
    expect([manifest.events, manifest.upToPosition, manifest.last]).toEqual([
      12,
      '13',
      { position: '12', recordedAt: '2020-06-13T08:01:00.000Z' },
    ]);
    expect(manifest.chain).toEqual({
      intact: true,
      heads: [
        { operationId: 'alpha', revision: 1, hash: store.log[11].metadata.hash },
        { operationId: 'venetic', revision: 9, hash: store.log[9].metadata.hash },
      ],
    });
  });

  it('still exports a damaged stream as stored, with the break in the manifest', async () => {
    store.log[4] = { ...store.log[4], data: { tampered: true } };
    const run = new EvidentialExport(store, { kind: 'operation', operationId: 'venetic' }, provenance);
    expect(await drain(run)).toHaveLength(10);
    const { chain } = run.manifest();
    expect(!chain.intact && [chain.brokenAt.revision, chain.brokenAt.reason]).toEqual([4, 'hash-mismatch']);
  });

  it('exports events the reader may not see as withheld lines that still verify offline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'timeline-withheld-'));
    try {
      const paths = exportFilePaths(join(dir, 'venetic'));
      const marker = { withheld: true, handling: 'C', reason: 'not for this agency' };
      const manifest = await writeExportFiles(
        store,
        { kind: 'operation', operationId: 'venetic' },
        {
          ...provenance,
          redact: (event) => (event.streamRevision === 4 ? { ...event, data: marker } : event),
        },
        paths,
      );
      expect([manifest.events, manifest.withheld, manifest.chain.intact]).toEqual([10, 1, true]);
      const lines = (await readFile(paths.ndjsonPath, 'utf8')).trimEnd().split('\n');
      expect(JSON.parse(lines[4])).toMatchObject({
        withheld: true,
        data: marker,
        hash: store.log[4].metadata.hash,
      });
      expect(JSON.parse(lines[3]).withheld).toBeUndefined();
      const verified = await verifyExportFiles(paths);
      expect([verified.ok, verified.problems, verified.recomputed.withheld]).toEqual([true, [], 1]);

      // A withheld line's hash is taken as stored, but the next event's link still pins it.
      lines[4] = lines[4].replace(String(store.log[4].metadata.hash), 'f'.repeat(64));
      await writeFile(paths.ndjsonPath, `${lines.join('\n')}\n`);
      const tampered = await verifyExportFiles(paths);
      expect(tampered.recomputed.brokenAt).toMatchObject({ revision: 5, reason: 'prev-hash-mismatch' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes and digests an export many write chunks long exactly as its lines, in order', async () => {
    // About 500 KiB of lines: several 64 KiB chunks of the file and of the digest, the last one partial.
    await appendSealed(store, 'venetic', aHistory('venetic', 700, 10));
    const dir = await mkdtemp(join(tmpdir(), 'timeline-chunks-'));
    try {
      const paths = exportFilePaths(join(dir, 'venetic'));
      const marker = { withheld: true, handling: 'C', reason: 'not for this agency' };
      const redact = (event: TimelineEvent): TimelineEvent =>
        event.streamRevision % 7 === 3 ? { ...event, data: marker } : event;
      const options = { ...provenance, pageSize: 64, redact };
      const expected = await drain(new EvidentialExport(store, scope, options));
      let progress = 0;
      const manifest = await writeExportFiles(store, scope, options, paths, (events) => (progress = events));
      const file = await readFile(paths.ndjsonPath, 'utf8');
      expect(file).toBe(expected.join(''));
      expect(file.split('\n')[710]).toBe('');
      expect(progress).toBe(710);
      expect(manifest.ndjson).toEqual({ sha256: sha256(file), bytes: Buffer.byteLength(file), lines: 710 });
      expect(Buffer.byteLength(file)).toBeGreaterThan(6 * 64 * 1024);
      expect([manifest.events, manifest.withheld, manifest.chain.intact]).toEqual([710, 101, true]);
      const verified = await verifyExportFiles(paths);
      expect([verified.ok, verified.problems, verified.recomputed.events]).toEqual([true, [], 710]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to give the manifest before the last line', () => {
    const run = new EvidentialExport(store, { kind: 'log' }, provenance);
    expect(() => run.manifest()).toThrow('the manifest is known only once every line has been read');
  });
});

describe('verifyExportFiles', () => {
  let store: InMemoryEventStore;
  let dir: string;
  const scope: ExportScope = { kind: 'operation', operationId: 'venetic' };
  beforeEach(async () => {
    store = new InMemoryEventStore();
    await appendSealed(store, 'venetic', aHistory('venetic', 6));
    dir = await mkdtemp(join(tmpdir(), 'timeline-export-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function exportPair() {
    const paths = exportFilePaths(join(dir, 'venetic'));
    const manifest = await writeExportFiles(store, scope, { ...provenance, pageSize: 4 }, paths);
    return { paths, manifest };
  }

  it('accepts an untouched two-file export and recomputes its figures', async () => {
    const { paths, manifest } = await exportPair();
    const result = await verifyExportFiles(paths);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.manifest).toEqual(manifest);
    expect(result.recomputed).toEqual({
      events: 6,
      withheld: 0,
      bytes: manifest.ndjson.bytes,
      sha256: sha256(await readFile(paths.ndjsonPath, 'utf8')),
      heads: [{ operationId: 'venetic', revision: 5, hash: store.log[5].metadata.hash }],
      brokenAt: null,
    });
  });

  it('accepts the single-file layout with the manifest as its last line', async () => {
    const { paths, manifest } = await exportPair();
    const single = join(dir, 'download.ndjson');
    await writeFile(single, (await readFile(paths.ndjsonPath, 'utf8')) + manifestLine(manifest));
    const result = await verifyExportFiles({ ndjsonPath: single });
    expect([result.ok, result.problems, result.recomputed.events]).toEqual([true, [], 6]);
  });

  it('names the line of an event altered by one byte', async () => {
    const { paths } = await exportPair();
    const lines = (await readFile(paths.ndjsonPath, 'utf8')).split('\n');
    lines[3] = lines[3].replace('"SUBJ-3"', '"SUBJ-8"');
    await writeFile(paths.ndjsonPath, lines.join('\n'));
    const result = await verifyExportFiles(paths);
    expect(result.ok).toBe(false);
    expect(result.problems.map((problem) => [problem.code, problem.line])).toEqual([
      ['chain-broken', 4],
      ['sha256-mismatch', undefined],
      ['chain-heads-mismatch', undefined],
    ]);
    expect(result.recomputed.brokenAt).toMatchObject({
      revision: 3,
      reason: 'hash-mismatch',
      eventId: store.log[3].eventId,
    });
  });

  it('reports the gap left by a removed line and every figure it changes', async () => {
    const { paths } = await exportPair();
    const lines = (await readFile(paths.ndjsonPath, 'utf8')).split('\n');
    lines.splice(2, 1);
    await writeFile(paths.ndjsonPath, lines.join('\n'));
    const result = await verifyExportFiles(paths);
    expect(result.problems.map((problem) => problem.code)).toEqual([
      'chain-broken',
      'sha256-mismatch',
      'size-mismatch',
      'count-mismatch',
      'counts-by-type-mismatch',
      'chain-heads-mismatch',
    ]);
    expect(result.problems[0].message).toBe(
      `chain of venetic broken at revision 3 (event ${store.log[3].eventId}): revision-gap`,
    );
  });

  it('reports a manifest whose figures were edited', async () => {
    const { paths, manifest } = await exportPair();
    await writeFile(
      paths.manifestPath,
      JSON.stringify({ ...manifest, events: 5, countsByType: { ArrestMade: 5 } }),
    );
    const result = await verifyExportFiles(paths);
    expect(result.problems.map((problem) => problem.code)).toEqual([
      'count-mismatch',
      'counts-by-type-mismatch',
    ]);
  });

  it('reports an unreadable manifest and still checks the chain', async () => {
    const { paths } = await exportPair();
    await writeFile(paths.manifestPath, '{ not json');
    const result = await verifyExportFiles(paths);
    expect(result.problems.map((problem) => problem.code)).toEqual(['manifest-unreadable']);
    expect(result.recomputed.events).toBe(6);
  });
});
