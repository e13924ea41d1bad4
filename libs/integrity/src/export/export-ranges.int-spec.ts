import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { aHistory, appendSealed } from '../testing/sealed-history.fixture';
import { exportFilePaths, writeExportFiles, type ExportFilePaths } from './export-files';
import type { ExportScope } from './export-manifest';
import { scanExportRange, splitAtLines, type ByteRange } from './export-ranges';
import { verifyExportFiles, verifyExportFilesInRanges } from './export-verifier';

jest.setTimeout(120_000);

const provenance = {
  exportedAt: '2020-07-02T12:00:00.000Z',
  exportedBy: 'auditor-ipco-1',
  software: { name: 'operation-timeline', version: '0.1.0' },
};

/** What someone holding the file could do to its lines; `at` and `with` pick lines modulo their count. */
type LineTampering =
  | { readonly kind: 'edit-data'; readonly at: number }
  | { readonly kind: 'remove'; readonly at: number }
  | { readonly kind: 'swap'; readonly at: number; readonly with: number }
  | { readonly kind: 'duplicate'; readonly at: number }
  | { readonly kind: 'garbage'; readonly at: number; readonly text: string }
  | { readonly kind: 'withhold'; readonly at: number }
  | { readonly kind: 'edit-position'; readonly at: number; readonly position: string }
  | { readonly kind: 'crlf'; readonly at: number };

const lineTampering: fc.Arbitrary<LineTampering> = fc.oneof(
  fc.record({ kind: fc.constant('edit-data' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('garbage' as const),
    at: fc.nat(),
    text: fc.constantFrom('', 'not json', '[]', '{"type":"X"}', '{"eventId":"e","type":"T","data":{}}'),
  }),
  fc.record({ kind: fc.constant('withhold' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('edit-position' as const),
    at: fc.nat(),
    position: fc.constantFrom('1', '0', 'x', '99'),
  }),
  fc.record({ kind: fc.constant('crlf' as const), at: fc.nat() }),
);

function tamper(lines: string[], change: LineTampering): void {
  if (lines.length === 0) return;
  const at = change.at % lines.length;
  const edit = (mutate: (line: Record<string, unknown>) => void) => {
    try {
      const line = JSON.parse(lines[at]) as Record<string, unknown>;
      mutate(line);
      lines[at] = JSON.stringify(line);
    } catch {
      // Already not JSON: left as it is.
    }
  };
  switch (change.kind) {
    case 'edit-data':
      return edit((line) => (line.data = { ...(line.data as object), subjectId: 'SUBJ-EDITED' }));
    case 'remove':
      lines.splice(at, 1);
      return;
    case 'swap': {
      const other = change.with % lines.length;
      [lines[at], lines[other]] = [lines[other], lines[at]];
      return;
    }
    case 'duplicate':
      lines.splice(at, 0, lines[at]);
      return;
    case 'garbage':
      lines.splice(at, 0, change.text);
      return;
    case 'withhold':
      return edit((line) => {
        line.data = {};
        line.withheld = true;
      });
    case 'edit-position':
      return edit((line) => (line.position = change.position));
    case 'crlf':
      lines[at] = `${lines[at]}\r`;
      return;
  }
}

/** Cuts at random offsets, each moved to just after the next newline, as the threads' cut is. */
function cutsAt(text: Buffer, offsets: readonly number[]): (end: number) => Promise<ByteRange[]> {
  return async (end) => {
    const cuts = [0];
    for (const offset of [...offsets].sort((a, b) => a - b)) {
      const newline = text.indexOf(0x0a, Math.min(offset, end));
      const cut = newline < 0 ? end : newline + 1;
      if (cut > cuts[cuts.length - 1] && cut < end) cuts.push(cut);
    }
    return cuts.map((start, index) => ({ start, end: index + 1 < cuts.length ? cuts[index + 1] : end }));
  };
}

describe('verifying an export in byte ranges', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-export-ranges-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function anExport(
    name: string,
    lengths: readonly number[],
    scope: ExportScope,
  ): Promise<{ paths: ExportFilePaths; lines: string[] }> {
    const store = new InMemoryEventStore();
    const operations = ['venetic', 'alpha', 'bravo'];
    for (let round = 0; round < 2; round += 1)
      for (const [index, length] of lengths.entries()) {
        const half = round === 0 ? Math.ceil(length / 2) : Math.floor(length / 2);
        if (half > 0)
          await appendSealed(
            store,
            operations[index],
            aHistory(operations[index], half, round * Math.ceil(length / 2)),
          );
      }
    const paths = exportFilePaths(join(dir, name));
    await writeExportFiles(store, scope, { ...provenance, pageSize: 3 }, paths);
    const text = await readFile(paths.ndjsonPath, 'utf8');
    return { paths, lines: text.split('\n').slice(0, -1) };
  }

  it('reports what one scan reports, whatever was done to the lines and wherever the file is cut', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.array(lineTampering, { maxLength: 3 }),
        fc.array(fc.nat({ max: 20_000 }), { maxLength: 5 }),
        fc.boolean(),
        async (lengths, wholeLog, changes, offsets, singleFile) => {
          run += 1;
          const scope: ExportScope = wholeLog
            ? { kind: 'log' }
            : { kind: 'operation', operationId: 'venetic' };
          const { paths, lines } = await anExport(`p${run}`, lengths, scope);
          for (const change of changes) tamper(lines, change);
          const manifestText = await readFile(paths.manifestPath, 'utf8');
          const body = lines.map((line) => `${line}\n`).join('');
          const files = singleFile
            ? { ndjsonPath: paths.ndjsonPath }
            : { ndjsonPath: paths.ndjsonPath, manifestPath: paths.manifestPath };
          await writeFile(
            paths.ndjsonPath,
            singleFile ? `${body}${JSON.stringify({ manifest: JSON.parse(manifestText) })}\n` : body,
          );
          const single = await verifyExportFiles(files);
          const ranged = await verifyExportFilesInRanges(
            files,
            cutsAt(Buffer.from(body), offsets),
            scanExportRange,
          );
          expect(ranged).toEqual(single);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds on threads what one thread finds, in an intact and a tampered export', async () => {
    const { paths, lines } = await anExport('threads', [40, 25, 10], { kind: 'log' });
    const files = { ndjsonPath: paths.ndjsonPath, manifestPath: paths.manifestPath };
    const intact = await verifyExportFiles(files, { threads: 3, minBytes: 0 });
    expect(intact.ok).toBe(true);
    expect(intact).toEqual(await verifyExportFiles(files));

    tamper(lines, { kind: 'edit-data', at: 30 });
    tamper(lines, { kind: 'remove', at: 50 });
    tamper(lines, { kind: 'garbage', at: 10, text: 'not json' });
    await writeFile(paths.ndjsonPath, lines.map((line) => `${line}\n`).join(''));
    const tampered = await verifyExportFiles(files, { threads: 3, minBytes: 0 });
    expect(tampered.problems.map((problem) => problem.code)).toEqual(
      expect.arrayContaining(['line-unparsable', 'chain-broken', 'sha256-mismatch']),
    );
    expect(tampered).toEqual(await verifyExportFiles(files));
  });

  it('cuts a file into ranges of whole lines', async () => {
    const file = join(dir, 'lines.ndjson');
    await writeFile(file, 'a\nbb\nccc\ndddd\n');
    // Each cut is just after the first newline at or after its share of the bytes.
    expect(await splitAtLines(file, 14, 3)).toEqual([
      { start: 0, end: 5 },
      { start: 5, end: 14 },
    ]);
    expect(await splitAtLines(file, 14, 20)).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 5 },
      { start: 5, end: 9 },
      { start: 9, end: 14 },
    ]);
  });
});
