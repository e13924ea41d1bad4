/**
 * `ts-node -r tsconfig-paths/register --transpile-only bench/startup.bench.ts [--quick] [--rounds N]`:
 * how long a user waits for the service and the CLI to answer (issue targets:
 * `npm start` on an unchanged tree under 5 s, the first start with the demo under
 * 15 s, CLI commands that need neither Nest nor a store driver under 0.5 s).
 *
 * Each round, in a fresh data directory:
 * 1. `npm start` on an empty store: the demo loaded through the
 *    rules and the hash chain, to the first answer of `GET /health`;
 * 2. `npm start` again on the same (now demo-holding) store, the tree unchanged;
 * 3. the built api alone (`node dist/api/…/main.js`, what `npm start` runs after
 *    its check of the sources) on the same store: the reference of 2, what npm and
 *    the launcher (apps/run.js) add;
 * then each CLI command, run as a user runs it (`npm run -s cli -- …`), beside
 * `node -e 0` (a process that does nothing) and `npm run -s env` (what npm
 * itself costs), the subjects alternating.
 *
 * Wall time is from the spawn to the first answer (or exit); CPU time is every
 * process of the started group (npm, sh, the Nest CLI, the build, the api, the
 * children they reaped), read from /proc at that moment. Medians of the rounds.
 * Prints a table and writes bench/results/startup.json (startup.quick.json with --quick).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcessGroup } from '../test/support/process-group';
import { BenchReport } from './support/bench-report';

const ROOT = join(__dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const roundsOption = args.indexOf('--rounds');
const rounds = roundsOption >= 0 ? Number(args[roundsOption + 1]) : quick ? 1 : 3;
const cliRuns = quick ? 1 : 5;
const TICKS_PER_SECOND = 100;
const ANSWER_TIMEOUT_MS = 180_000;

interface Measured {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/**
 * CPU seconds used so far by every process of a process group, with the
 * children they have reaped (Linux /proc; fields after the command name:
 * pgrp is the 3rd, utime/stime/cutime/cstime the 12th to 15th).
 */
function groupCpuSeconds(groupId: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // Gone meanwhile.
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== groupId) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / TICKS_PER_SECOND;
}

function environment(dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    AUTH_MODE: 'local-dev',
  };
}

/** Starts a server command in its own process group; resolves at its first `GET /health` answer, then stops it. */
async function timeToFirstAnswer(command: string, commandArgs: string[], dataDir: string): Promise<Measured> {
  const startedAt = performance.now();
  const child: ChildProcess = spawn(command, commandArgs, {
    cwd: ROOT,
    detached: true,
    env: environment(dataDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const groupId = child.pid!;
  const output: string[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command} gave no port in time`)), ANSWER_TIMEOUT_MS);
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        output.push(chunk);
        const match = /"msg":"listening","port":(\d+)/.exec(output.join(''));
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${command} exited (${code}) before answering: ${output.join('').slice(-2000)}`));
      });
    });
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        await response.arrayBuffer();
        if (response.status < 500) break;
      } catch {
        // Not listening yet.
      }
      if (performance.now() - startedAt > ANSWER_TIMEOUT_MS) throw new Error(`${command}: no answer in time`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const seconds = (performance.now() - startedAt) / 1000;
    return { seconds, cpuSeconds: groupCpuSeconds(groupId) };
  } finally {
    await stopProcessGroup(groupId);
  }
}

/** Runs a command to its end in its own process group; its wall and CPU time (children reaped included). */
async function timeToExit(command: string, commandArgs: string[], dataDir: string): Promise<Measured> {
  const startedAt = performance.now();
  // `bash -c 'cmd; times'`: the shell reaps the command, and `times` prints its children's CPU.
  const script = `${[command, ...commandArgs].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ')} >/dev/null 2>&1; status=$?; times; exit $status`;
  const child = spawn('bash', ['-c', script], { cwd: ROOT, env: environment(dataDir) });
  const output: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const seconds = (performance.now() - startedAt) / 1000;
  if (code !== 0) throw new Error(`${command} ${commandArgs.join(' ')} exited ${code}: ${output.join('')}`);
  // `times` prints the shell's own times, then its children's: "0m0.372s 0m0.056s".
  const lines = output.join('').trim().split('\n');
  const children = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines[lines.length - 1] ?? '');
  if (!children) throw new Error(`no CPU times in ${JSON.stringify(output.join(''))}`);
  const cpuSeconds =
    Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4]);
  return { seconds, cpuSeconds };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Medians of wall and CPU time, every sample in the note. */
function summary(samples: readonly Measured[]): {
  count: number;
  seconds: number;
  cpuSeconds: number;
  note: string;
} {
  return {
    count: samples.length,
    seconds: round2(median(samples.map((sample) => sample.seconds))),
    cpuSeconds: round2(median(samples.map((sample) => sample.cpuSeconds))),
    note: `${samples.length === 1 ? 'one run' : `median of ${samples.length}`}: ${samples.map((sample) => `${sample.seconds.toFixed(2)} s / ${sample.cpuSeconds.toFixed(2)} CPU-s`).join(', ')}`,
  };
}

async function main(): Promise<void> {
  const report = new BenchReport('Start-up: npm start and the CLI to their first answer', {
    quick,
    rounds,
    cliRuns,
  });
  const builtApi = join(ROOT, 'dist/api/apps/api/src/main.js');
  const scratch = mkdtempSync(join(tmpdir(), 'timeline-startup-bench-'));
  try {
    // One start first, so that every measured start finds the tree built and unchanged (the quick
    // run, in CI after the tests have started the api, finds it so already).
    if (!quick) {
      process.stdout.write('warming up: one npm start\n');
      await timeToFirstAnswer('npm', ['start'], join(scratch, 'warm-up'));
    }

    const first: Measured[] = [];
    const unchanged: Measured[] = [];
    const built: Measured[] = [];
    let demoDir = '';
    for (let round = 1; round <= rounds; round += 1) {
      demoDir = join(scratch, `round-${round}`);
      first.push(await timeToFirstAnswer('npm', ['start'], demoDir));
      unchanged.push(await timeToFirstAnswer('npm', ['start'], demoDir));
      built.push(await timeToFirstAnswer('node', [builtApi], demoDir));
      process.stdout.write(
        `  round ${round}: first ${first.at(-1)!.seconds.toFixed(1)} s, unchanged ${unchanged.at(-1)!.seconds.toFixed(1)} s, built ${built.at(-1)!.seconds.toFixed(1)} s\n`,
      );
    }
    const startRow = (scenario: string, subject: string, samples: Measured[]) =>
      report.add({ scenario, subject, ...summary(samples) });
    startRow('first start, empty store, the demo loaded', 'npm start (target < 15 s)', first);
    startRow('start, unchanged tree, store holding the demo', 'npm start (target < 5 s)', unchanged);
    startRow(
      'start, unchanged tree, store holding the demo',
      'reference: the built api alone (node dist/api/…/main.js)',
      built,
    );

    // A small export of the demo to verify offline.
    const exportBase = join(scratch, 'demo-export');
    await timeToExit('npm', ['run', '-s', 'cli', '--', 'export', '--all', '--out', exportBase], demoDir);

    const commands: { subject: string; command: string; args: string[] }[] = [
      { subject: 'reference: node -e 0', command: 'node', args: ['-e', '0'] },
      { subject: 'reference: npm run -s env (npm alone)', command: 'npm', args: ['run', '-s', 'env'] },
      { subject: 'npm run -s cli -- --help', command: 'npm', args: ['run', '-s', 'cli', '--', '--help'] },
      {
        subject: 'npm run -s cli -- token --role auditor --agency NWP',
        command: 'npm',
        args: ['run', '-s', 'cli', '--', 'token', '--role', 'auditor', '--agency', 'NWP'],
      },
      {
        subject: 'npm run -s cli -- verify-export (the demo: about 10,000 events, verified)',
        command: 'npm',
        args: ['run', '-s', 'cli', '--', 'verify-export', `${exportBase}.ndjson`],
      },
    ];
    const samples = new Map<string, Measured[]>(commands.map(({ subject }) => [subject, []]));
    for (let run = 0; run < cliRuns; run += 1) {
      // Alternate the order run by run, so no subject always follows the same one.
      const order = run % 2 === 0 ? commands : [...commands].reverse();
      for (const { subject, command, args: commandArgs } of order)
        samples.get(subject)!.push(await timeToExit(command, commandArgs, demoDir));
    }
    for (const { subject } of commands) {
      report.add({
        scenario: 'CLI command to its exit',
        subject: / -- (--help$|token )/.test(subject) ? `${subject} (target < 0.5 s)` : subject,
        ...summary(samples.get(subject)!),
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  report.print();
  report.writeJson(join(__dirname, 'results', quick ? 'startup.quick.json' : 'startup.json'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
