import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from '@timeline/event-store';
import { DemoDataset } from '@timeline/demo-data';
import { storeOptionsOf } from '../support/store-options';
import { loadOrCreateLocalDevKey } from '../../../api/src/auth/local-dev-keys';
import { runCli } from '../cli';
import type { CliContext } from '../cli-command';

jest.setTimeout(120_000);

describe('cli seed', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-seed-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const output = { out: '', err: '' };
    const context: CliContext = {
      out: (text) => (output.out += text),
      err: (text) => (output.err += text),
      env: {},
      cwd: dir,
      now: () => new Date('2026-01-01T00:00:00.000Z'),
      user: 'tester',
      software: { name: 'operation-timeline', version: '0.1.0' },
      openStore: (target) => createEventStore(storeOptionsOf(target)),
      progress: () => ({ update: () => undefined, stop: () => undefined }),
      fetch: () => Promise.reject(new Error('no network in this test')),
    };
    const code = await runCli(argv, context);
    return { code, ...output };
  }

  it('loads a scaled demo into the store, checks the picture, writes the expected totals, and is idempotent', async () => {
    const first = await run([
      'seed',
      '--data-dir',
      'data',
      '--scale',
      '0.1',
      '--check',
      '--json',
      '--expected-out',
      'expected.json',
    ]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const result = JSON.parse(first.out);
    const dataset = new DemoDataset({ scale: 0.1 });
    for (const _ of dataset);
    const expected = dataset.expected();
    expect(result).toMatchObject({
      variant: 'demo',
      seed: 2020,
      scale: 0.1,
      via: 'store',
      operations: ['venetic'],
    });
    expect(result.loaded.events).toBe(expected.national.events);
    expect(result.loaded.replayed).toBe(expected.national.retriedSubmissions);
    expect(result.check).toEqual({ ok: true, differences: {} });
    expect(JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(expected)),
    );

    const again = await run(['seed', '--data-dir', 'data', '--scale', '0.1', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).loaded).toMatchObject({
      events: 0,
      submissions: expected.national.submissions + expected.national.retriedSubmissions,
    });
  });

  it('refuses to mix another seed into an operation that holds data, writing nothing', async () => {
    expect((await run(['seed', '--data-dir', 'data', '--scale', '0.02'])).code).toBe(0);
    const other = await run(['seed', '--data-dir', 'data', '--scale', '0.02', '--seed', '7']);
    expect(other.code).toBe(1);
    expect(other.err).toContain('operation venetic already holds other events');
  });

  it('reports usage errors with exit code 2', async () => {
    for (const argv of [
      ['seed', '--variant', 'huge'],
      ['seed', '--seed', '-4'],
      ['seed', '--scale', '0'],
      ['seed', '--via', 'ftp', 'x'],
      ['seed', '--via', 'http', 'not a url'],
      ['seed', '--operations', '3'],
    ]) {
      const { code } = await run(argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
    }
  });

  it('refuses to post without the key the api trusts (usage error 2)', async () => {
    const { code, err } = await run(['seed', '--data-dir', 'data', '--via', 'http', 'http://127.0.0.1:9']);
    expect(code).toBe(2);
    expect(err).toContain('no local development key at');
  });

  it('reports an unreachable api with exit code 3', async () => {
    loadOrCreateLocalDevKey(join(dir, 'data'));
    const { code, err } = await run([
      'seed',
      '--data-dir',
      'data',
      '--scale',
      '0.02',
      '--via',
      'http',
      'http://127.0.0.1:9',
    ]);
    expect(code).toBe(3);
    expect(err).toContain('POST http://127.0.0.1:9/operations/venetic/events failed');
  });
});
