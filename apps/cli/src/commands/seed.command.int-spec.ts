import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from '@timeline/event-store';
import { DemoDataset } from '@timeline/demo-data';
import { loadOrCreateLocalDevKey } from '@timeline/auth';
import { runCli } from '../cli';
import type { CliContext } from '../cli-command';

jest.setTimeout(120_000);

describe('cli seed', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-seed-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(
    argv: string[],
    fetch: CliContext['fetch'] = () => Promise.reject(new Error('no network in this test')),
  ): Promise<{ code: number; out: string; err: string }> {
    const output = { out: '', err: '' };
    const context: CliContext = {
      out: (text) => (output.out += text),
      err: (text) => (output.err += text),
      env: {},
      cwd: dir,
      now: () => new Date('2026-01-01T00:00:00.000Z'),
      user: 'tester',
      software: { name: 'operation-timeline', version: '0.1.0' },
      openStore: (options) => createEventStore(options),
      progress: () => ({ update: () => undefined, stop: () => undefined }),
      fetch,
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

  it('posts over HTTP in batches within the limit, waits out a 429 as Retry-After asks, and says so', async () => {
    loadOrCreateLocalDevKey(join(dir, 'data'));
    const requests: { agency: string; eventIds: string[] }[] = [];
    let limited = false;
    const api: CliContext['fetch'] = async (_url, init) => {
      if (!limited) {
        // The first request is over the per-principal limit: the api asks for one second.
        limited = true;
        return new Response('{"code":"auth.rate-limited"}', { status: 429, headers: { 'retry-after': '1' } });
      }
      const token = new Headers(init?.headers).get('authorization')!.split('.')[1];
      const { agency } = JSON.parse(Buffer.from(token, 'base64url').toString()) as { agency: string };
      const body = JSON.parse(String(init?.body)) as { events: { eventId: string }[] };
      const seen = requests.some((request) => request.eventIds.includes(body.events[0].eventId));
      requests.push({ agency, eventIds: body.events.map((event) => event.eventId) });
      return new Response(JSON.stringify({ replayed: seen }), { status: seen ? 200 : 201 });
    };
    const result = await run(
      [
        'seed',
        '--data-dir',
        'data',
        '--scale',
        '0.05',
        '--via',
        'http',
        'http://api.test',
        '--batch',
        '20',
        '--json',
      ],
      api,
    );
    expect(result.code).toBe(0);
    expect(result.err).toBe("the api limits NCA's requests (429): waiting 1 s as it asks\n");
    const dataset = new DemoDataset({ scale: 0.05 });
    const submissions = [...dataset];
    const expected = dataset.expected().national;
    expect(JSON.parse(result.out).loaded).toMatchObject({
      events: expected.events,
      replayed: expected.retriedSubmissions,
      submissions: requests.length,
    });
    expect(Math.max(...requests.map((request) => request.eventIds.length))).toBeLessThanOrEqual(20);
    expect(requests.length).toBeLessThan(submissions.length / 2);
    // Every event sent, by the agency that records it.
    const agencyOf = new Map(
      submissions.flatMap((submission) =>
        submission.events.map((event) => [event.eventId, submission.agency]),
      ),
    );
    for (const request of requests)
      for (const eventId of request.eventIds) expect(agencyOf.get(eventId)).toBe(request.agency);
    expect(new Set(requests.flatMap((request) => request.eventIds)).size).toBe(agencyOf.size);
  });
});
