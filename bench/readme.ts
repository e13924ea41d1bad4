/**
 * `npm run bench:readme`: writes bench/README.md from bench/README.template.md
 * and bench/results/*.json (every benchmark also does when it writes its result).
 * `--check` (part of `npm run lint`): fails when bench/README.md is not what they give.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIRECTORY, expectedBenchReadme, writeBenchReadme } from './support/bench-readme';

async function main(): Promise<void> {
  if (process.argv.includes('--check')) {
    const current = readFileSync(join(BENCH_DIRECTORY, 'README.md'), 'utf8');
    if (current !== (await expectedBenchReadme())) {
      process.stderr.write(
        'bench/README.md is out of date with bench/README.template.md and bench/results: run npm run bench:readme\n',
      );
      process.exit(1);
    }
    return;
  }
  const changed = await writeBenchReadme();
  process.stdout.write(changed ? 'bench/README.md written\n' : 'bench/README.md is up to date\n');
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
