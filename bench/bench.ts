/**
 * `npm run bench [-- --quick] [--only store,http]`: runs every benchmark of the
 * project, each as a child process (a crash in one is reported, not fatal to the
 * others), prints one table and writes bench/results/latest.json
 * (latest.quick.json with --quick) with the machine's description and the date.
 *
 * Each benchmark is a program `bench/<name>.bench.ts` that accepts `--quick` and
 * writes its own result document (bench/support/bench-report.ts:
 * `{ name, startedAt, machine, parameters, rows }`) to
 * bench/results/<name>.json or <name>.quick.json. Figures are printed, never
 * judged: the exit code is non-zero only when a benchmark crashes, hangs past its
 * time limit or writes no result.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { describeMachine, type BenchRow } from './support/bench-report';

interface BenchmarkDefinition {
  readonly name: string;
  readonly what: string;
}

/** Every benchmark of the project, in the order they run. */
const BENCHMARKS: readonly BenchmarkDefinition[] = [
  {
    name: 'store',
    what: 'embedded SQLite store against a bare better-sqlite3 loop: appends, batches, global-log reads',
  },
  {
    name: 'http',
    what: 'POST /operations/{id}/events over HTTP against a validate-only endpoint, many and one hot operation',
  },
  {
    name: 'projections',
    what: 'picture and timeline from the log: catch-up and live rebuild against a raw read + parse + fold',
  },
  { name: 'fanout', what: 'Server-Sent Events fan-out of GET /events/live to many subscribers over HTTP' },
  { name: 'eventstoredb', what: 'the EventStoreDB adapter' },
  {
    name: 'eventstoredb-failover',
    what: 'what a leader change costs 50 writers on the 3-node test cluster: errors, recovery, loss',
  },
  {
    name: 'eventstoredb-catch-up',
    what: 'projection runner catch-up from position 0 over the EventStoreDB adapter',
  },
  {
    name: 'integrity',
    what: 'chain verification, evidential export and offline verification of one operation',
  },
  { name: 'scale', what: 'cost growth from 10k to 1M events: append, read, rebuild, fan-out, disk and RSS' },
  {
    name: 'merkle',
    what: 'the Merkle log: durable appends with and without the tree follower, proofs at 1M leaves',
  },
  {
    name: 'startup',
    what: 'npm start (first start with the demo, unchanged tree) and CLI commands to their first answer',
  },
  {
    name: 'soak',
    what: 'a long run at half capacity with live subscribers: RSS, heap, file descriptors, event-loop delay per minute',
  },
];

/**
 * A hung benchmark is stopped after this long. A hang detector, not a budget: a quick
 * benchmark takes 10-80 s on a shared 2-core machine, and one stopped for being slow
 * would fail CI for no crash.
 */
const TIME_LIMIT_MS = { quick: 300_000, full: 3 * 3_600_000 } as const;

/** How long the benchmark's output may stay open after it exited (a process it left behind holds it). */
const OUTPUT_GRACE_MS = 2_000;

type Status = 'ok' | 'crashed' | 'timed-out' | 'no-result' | 'absent';

interface BenchmarkOutcome {
  readonly name: string;
  readonly file: string;
  readonly status: Status;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly seconds: number;
  /** High-water mark of the benchmark process's resident memory (Linux /proc VmHWM), MiB. */
  readonly peakRssMiB: number | null;
  readonly resultFile: string;
  readonly result: ResultDocument | null;
  /** The last lines the benchmark wrote to stderr, when it failed. */
  readonly errorTail?: string;
}

interface ResultDocument {
  readonly name?: string;
  readonly startedAt?: string;
  readonly parameters?: Record<string, unknown>;
  readonly rows?: readonly (BenchRow & Record<string, unknown>)[];
  readonly [key: string]: unknown;
}

const root = join(__dirname, '..');
const resultsDir = join(__dirname, 'results');

function parseArguments(argv: readonly string[]): { quick: boolean; only: Set<string> | null } {
  const quick = argv.includes('--quick');
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex >= 0 ? new Set((argv[onlyIndex + 1] ?? '').split(',').filter(Boolean)) : null;
  const known = new Set(BENCHMARKS.map((benchmark) => benchmark.name));
  for (const name of only ?? []) {
    if (!known.has(name)) {
      process.stderr.write(`unknown benchmark "${name}"; known: ${[...known].join(', ')}\n`);
      process.exit(2);
    }
  }
  return { quick, only };
}

/** Polls the child's peak resident set from /proc (Linux); null elsewhere. */
function watchPeakRss(pid: number): { stop(): number | null } {
  const file = `/proc/${pid}/status`;
  let peakKiB: number | null = null;
  const read = (): void => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
      if (match) peakKiB = Math.max(peakKiB ?? 0, Number(match[1]));
    } catch {
      // The process has exited or /proc is not there: keep the last reading.
    }
  };
  const timer = setInterval(read, 200);
  read();
  return {
    stop: () => {
      clearInterval(timer);
      return peakKiB === null ? null : Math.round(peakKiB / 1024);
    },
  };
}

function modifiedAt(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function run(benchmark: BenchmarkDefinition, quick: boolean): Promise<BenchmarkOutcome> {
  const file = join(__dirname, `${benchmark.name}.bench.ts`);
  const resultFile = join(resultsDir, `${benchmark.name}${quick ? '.quick' : ''}.json`);
  const base = { name: benchmark.name, file: relative(root, file), resultFile: relative(root, resultFile) };
  if (!existsSync(file)) {
    return Promise.resolve({
      ...base,
      status: 'absent',
      exitCode: null,
      signal: null,
      seconds: 0,
      peakRssMiB: null,
      result: null,
    });
  }
  const before = modifiedAt(resultFile);
  const started = performance.now();
  process.stdout.write(`\n▶ ${benchmark.name}: ${benchmark.what}\n`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        file,
        ...(quick ? ['--quick'] : []),
      ],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        // A process group of its own: a benchmark stopped, or one that leaves a server
        // behind, is cleaned up with everything it started (stopGroup).
        detached: true,
        // Every process of the run (benchmarks and the servers they start, which inherit it)
        // transpiles with SWC: the TypeScript transpiler took ~5 s of CPU to load the api.
        env: { ...process.env, TS_NODE_PROJECT: join(root, 'bench', 'tsconfig.swc.json') },
      },
    );
    const rss = watchPeakRss(child.pid ?? -1);
    let stderrTail = '';
    child.stdout.on('data', (chunk: Buffer) => process.stdout.write(indent(chunk.toString())));
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(indent(chunk.toString()));
      stderrTail = (stderrTail + chunk.toString()).slice(-4000);
    });
    let timedOut = false;
    const limit = quick ? TIME_LIMIT_MS.quick : TIME_LIMIT_MS.full;
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup(child.pid);
    }, limit);
    running = child.pid ?? null;
    let leftBehind = false;
    child.once('exit', () => {
      // Whatever the benchmark left running would hold its output open (and load the next one).
      leftBehind = stopGroup(child.pid);
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, OUTPUT_GRACE_MS).unref();
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      running = null;
      if (leftBehind && !timedOut)
        process.stderr.write(indent('processes the benchmark started still ran when it exited: stopped\n'));
      const peakRssMiB = rss.stop();
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      const fresh = modifiedAt(resultFile) > before;
      let result: ResultDocument | null = null;
      if (fresh) {
        try {
          result = JSON.parse(readFileSync(resultFile, 'utf8')) as ResultDocument;
        } catch (error) {
          stderrTail += `\nresult file is not JSON: ${String(error)}`;
        }
      }
      const status: Status = timedOut
        ? 'timed-out'
        : exitCode !== 0
          ? 'crashed'
          : result === null
            ? 'no-result'
            : 'ok';
      resolve({
        ...base,
        status,
        exitCode,
        signal,
        seconds,
        peakRssMiB,
        result,
        ...(status === 'ok' ? {} : { errorTail: lastLines(stderrTail, 15) }),
      });
    });
  });
}

/** The process group of the benchmark running now, stopped if this run is interrupted. */
let running: number | null = null;

/** Kills a benchmark's process group; true when something of it was still running. */
function stopGroup(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 'SIGKILL');
    return true;
  } catch {
    return false; // ESRCH: nothing left.
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (running !== null) stopGroup(running);
    process.exit(130);
  });
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  │ ');
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

// ---- the one table --------------------------------------------------------------------------------

interface Column {
  readonly title: string;
  readonly value: (row: TableRow) => unknown;
  readonly digits?: number;
  readonly left?: boolean;
}

type TableRow = BenchRow & Record<string, unknown> & { readonly benchmark: string };

const COLUMNS: readonly Column[] = [
  { title: 'benchmark', value: (row) => row.benchmark, left: true },
  { title: 'scenario', value: (row) => row.scenario, left: true },
  { title: 'subject', value: (row) => row.subject, left: true },
  { title: 'count', value: (row) => row.count },
  { title: 'ops/s', value: (row) => row.opsPerSecond, digits: 0 },
  { title: 'events/s', value: (row) => row.eventsPerSecond, digits: 0 },
  { title: 'p50 ms', value: (row) => row.p50Ms, digits: 2 },
  { title: 'p99 ms', value: (row) => row.p99Ms, digits: 2 },
  { title: 'peak RSS MiB', value: (row) => row.peakRssMiB, digits: 0 },
  { title: 'disk MiB/1M ev', value: (row) => row.diskMiBPerMillionEvents, digits: 0 },
  { title: 'note', value: (row) => row.note, left: true },
];

function format(value: unknown, digits?: number): string {
  if (value === undefined || value === null) return '–';
  if (typeof value === 'number') {
    return value.toLocaleString(
      'en-GB',
      digits === undefined ? {} : { maximumFractionDigits: digits, minimumFractionDigits: digits },
    );
  }
  return String(value);
}

function renderTable(rows: readonly TableRow[]): string {
  const cells = rows.map((row) => COLUMNS.map((column) => format(column.value(row), column.digits)));
  const widths = COLUMNS.map((column, i) =>
    Math.max(column.title.length, ...cells.map((line) => line[i].length)),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((value, i) => (COLUMNS[i].left ? value.padEnd(widths[i]) : value.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    line(COLUMNS.map((column) => column.title)),
    line(widths.map((width) => '-'.repeat(width))),
    ...cells.map(line),
  ].join('\n');
}

function tableRows(outcomes: readonly BenchmarkOutcome[]): TableRow[] {
  return outcomes.flatMap((outcome): TableRow[] => {
    const rows = outcome.result?.rows ?? [];
    if (outcome.status !== 'ok' || rows.length === 0) {
      return [
        {
          benchmark: outcome.name,
          scenario: outcome.status === 'ok' ? '(no rows)' : outcome.status.toUpperCase(),
          subject: '–',
          note:
            outcome.status === 'absent'
              ? `${outcome.file} does not exist`
              : outcome.status === 'ok'
                ? ''
                : `exit ${outcome.exitCode ?? outcome.signal}; see stderr above`,
        },
      ];
    }
    // Per-scenario RSS only where the benchmark measured it; the process peak is in the summary below.
    return rows.map((row) => ({ benchmark: outcome.name, ...row }));
  });
}

function gitCommit(): string | null {
  try {
    const head = readFileSync(join(root, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    const loose = join(root, '.git', ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    const packed = readFileSync(join(root, '.git', 'packed-refs'), 'utf8');
    return (
      packed
        .split('\n')
        .find((entry) => entry.endsWith(` ${ref}`))
        ?.split(' ')[0] ?? null
    );
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const { quick, only } = parseArguments(process.argv.slice(2));
  const startedAt = new Date();
  const machine = {
    ...describeMachine(),
    cpuMHz: cpus()[0]?.speed ?? null,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    arch: process.arch,
  };
  process.stdout.write(
    `Operation Timeline benchmarks${quick ? ' (quick)' : ''} — ${startedAt.toISOString()}\n` +
      `${machine.cpuModel}, ${machine.cpuCount} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}\n`,
  );

  const outcomes: BenchmarkOutcome[] = [];
  for (const benchmark of BENCHMARKS) {
    if (only && !only.has(benchmark.name)) continue;
    // One at a time: the benchmarks would otherwise compete for the same cores and disk.
    outcomes.push(await run(benchmark, quick));
  }

  const rows = tableRows(outcomes);
  const summary = outcomes.map((outcome) => ({
    benchmark: outcome.name,
    scenario: outcome.status,
    subject: `${outcome.seconds} s`,
    peakRssMiB: outcome.peakRssMiB ?? undefined,
    note: outcome.resultFile,
  }));
  process.stdout.write(`\n${'='.repeat(40)}\nResults${quick ? ' (quick)' : ''}\n\n${renderTable(rows)}\n\n`);
  process.stdout.write(`${renderTable(summary)}\n\n`);

  mkdirSync(resultsDir, { recursive: true });
  const output = join(resultsDir, quick ? 'latest.quick.json' : 'latest.json');
  const document = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick,
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    commit: gitCommit(),
    machine,
    benchmarks: outcomes.map(({ result, ...outcome }) => ({
      ...outcome,
      parameters: result?.parameters ?? null,
      document: result,
    })),
    rows,
  };
  writeFileSync(output, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`written ${relative(root, output)}\n`);

  const failed = outcomes.filter((outcome) => outcome.status !== 'ok');
  for (const outcome of failed) {
    process.stderr.write(
      `\n✗ ${outcome.name}: ${outcome.status}${outcome.errorTail ? `\n${indent(outcome.errorTail)}` : ''}\n`,
    );
  }
  process.exitCode = failed.length > 0 ? 1 : 0;
}

void main();
