import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderBenchReadme, type BenchResultFile } from '../bench/support/bench-readme';

/** bench/README.md is generated from bench/README.template.md and bench/results/*.json. */
describe('the benchmark README', () => {
  it('is what the template and the result files give (run npm run bench:readme)', async () => {
    // Prettier formats the generated text, and loads itself by dynamic import: a process of its own.
    const check = await promisify(execFile)(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'bench/readme.ts',
        '--check',
      ],
      { cwd: join(__dirname, '..') },
    ).then(
      () => 0,
      (error: { code: number; stderr: string }) => error.stderr,
    );
    expect(check).toBe(0);
  }, 60_000);

  it('puts each figure beside the nearest same-run reference of its scenario, with the ratio', () => {
    const result: BenchResultFile = {
      startedAt: '2026-12-07T03:34:58.735Z',
      code: { commit: '6fe545e6a5694c6adb1493bc1e2486fe9b99dc83', uncommittedChanges: false },
      machine: { cpuModel: 'Xeon', cpuCount: 2, memoryGiB: 23.5, node: 'v20.20.2' },
      loadAverage1m: { atStart: 15.74, atEnd: 12.21 },
      rows: [
        { scenario: 'spread', subject: 'validate only (round 1)', opsPerSecond: 8000 },
        { scenario: 'spread', subject: 'durable (round 1)', opsPerSecond: 6000, p50Ms: 7 },
        { scenario: 'spread', subject: 'validate only (round 2)', opsPerSecond: 4000 },
        { scenario: 'spread', subject: 'durable (round 2)', opsPerSecond: 3000 },
        { scenario: 'hot', subject: 'durable', opsPerSecond: 100, note: 'a | b' },
      ],
    };
    const text = renderBenchReadme(
      '# B\n\n<!-- bench-results: http.json; reference: validate only -->\n',
      new Map([['http.json', result]]),
    );
    expect(text).toContain(
      '_`bench/results/http.json` · 2026-12-07 03:34 UTC · Xeon, 2 cores, 23.5 GiB, Node v20.20.2 · load average 15.74 → 12.21 · commit 6fe545e_',
    );
    expect(text).toContain(
      '| spread | durable (round 1) | 6,000 ops/s; 7 ms p50 | validate only (round 1): 8,000 ops/s | 0.75× |',
    );
    expect(text).toContain(
      '| spread | durable (round 2) | 3,000 ops/s | validate only (round 2): 4,000 ops/s | 0.75× |',
    );
    expect(text).toContain('| hot | durable | 100 ops/s |  |  | a \\| b |');
    expect(() => renderBenchReadme('<!-- bench-results: gone.json -->', new Map())).toThrow(/gone\.json/);
  });

  it("takes a round's reference from the same round, even when another round's is nearer", () => {
    const result: BenchResultFile = {
      rows: [
        { scenario: 'spread', subject: 'bare (round 1)', opsPerSecond: 4000 },
        { scenario: 'spread', subject: 'validate only (round 1)', opsPerSecond: 3000 },
        { scenario: 'spread', subject: 'durable (round 1)', opsPerSecond: 1000 },
        { scenario: 'spread', subject: 'bare (round 2)', opsPerSecond: 2000 },
        { scenario: 'spread', subject: 'durable (round 2)', opsPerSecond: 1000 },
        { scenario: 'spread', subject: 'durable (round 3)', opsPerSecond: 1000 },
      ],
    };
    const text = renderBenchReadme(
      '<!-- bench-results: http.json; reference: ^bare -->\n',
      new Map([['http.json', result]]),
    );
    expect(text).toContain(
      '| spread | durable (round 1) | 1,000 ops/s | bare (round 1): 4,000 ops/s | 0.25× |',
    );
    expect(text).toContain(
      '| spread | durable (round 2) | 1,000 ops/s | bare (round 2): 2,000 ops/s | 0.5× |',
    );
    // No reference of its round: the nearest of any.
    expect(text).toContain(
      '| spread | durable (round 3) | 1,000 ops/s | bare (round 2): 2,000 ops/s | 0.5× |',
    );
  });
});
