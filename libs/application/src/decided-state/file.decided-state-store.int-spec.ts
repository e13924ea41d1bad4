import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonValue } from '@timeline/kernel';
import { FileDecidedStateStore, UnreadableDecidedStateError } from './file.decided-state-store';

const header = (revision: number, headHash = 'a'.repeat(64)) => ({
  operationId: 'venetic',
  stateVersion: 1,
  revision,
  headHash,
});

/** Parts computed lazily, as the writer's are: each is asked for only after the previous one is written. */
function* lazyParts(count: number, label: string): Generator<JsonValue> {
  for (let index = 0; index < count; index += 1) yield [label, [index, `${label}-${index}`]];
}

describe('FileDecidedStateStore', () => {
  let directory: string;
  let store: FileDecidedStateStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'timeline-decided-state-file-'));
    store = new FileDecidedStateStore(join(directory, 'decided-state'));
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('reads back what it wrote, and nothing when there is no file', async () => {
    expect(await store.load('venetic')).toBeNull();
    const saved = await store.save(header(41), lazyParts(3, 'p'));
    expect(saved.parts).toBe(3);
    const { partLines, longestBlockMs, ...loaded } = (await store.load('venetic'))!;
    expect(loaded).toEqual(header(41));
    expect(partLines.map((line) => JSON.parse(line) as unknown)).toEqual([
      ['p', [0, 'p-0']],
      ['p', [1, 'p-1']],
      ['p', [2, 'p-2']],
    ]);
    expect(longestBlockMs).toBeGreaterThanOrEqual(0);
    expect(readdirSync(join(directory, 'decided-state'))).toEqual(['venetic.ndjson']);
  });

  it.each<[string, (text: string) => string, RegExp]>([
    ['a byte changed in a part', (text) => text.replace('p-1', 'p-7'), /parts hash to/],
    [
      'a part missing',
      (text) => text.split('\n').slice(0, -2).join('\n') + '\n',
      /expected 3 parts, found 2/,
    ],
    ['the end cut off', (text) => text.slice(0, -5), /truncated/],
    [
      'another operation',
      (text) => text.replace('"operationId":"venetic"', '"operationId":"other"'),
      /holds operation "other"/,
    ],
    ['no revision', (text) => text.replace('"revision":41', '"revision":"41"'), /header is incomplete/],
  ])('refuses a file with %s', async (_, tamper, reason) => {
    await store.save(header(41), lazyParts(3, 'p'));
    const file = join(directory, 'decided-state', 'venetic.ndjson');
    writeFileSync(file, tamper(readFileSync(file, 'utf8')));
    const loading = store.load('venetic');
    await expect(loading).rejects.toBeInstanceOf(UnreadableDecidedStateError);
    await expect(store.load('venetic')).rejects.toThrow(reason);
  });

  it('leaves one whole snapshot when two writers save at once', async () => {
    const other = new FileDecidedStateStore(join(directory, 'decided-state'));
    await Promise.all([
      store.save(header(10, 'b'.repeat(64)), lazyParts(200, 'a')),
      other.save(header(20, 'c'.repeat(64)), lazyParts(300, 'b')),
    ]);
    const loaded = (await store.load('venetic'))!;
    expect([
      [10, 200],
      [20, 300],
    ]).toContainEqual([loaded.revision, loaded.partLines.length]);
    expect(readdirSync(join(directory, 'decided-state'))).toEqual(['venetic.ndjson']);
  });

  it('refuses a name that is not an operation id', async () => {
    await expect(store.load('../escape')).rejects.toThrow('Not an operation id');
  });
});
