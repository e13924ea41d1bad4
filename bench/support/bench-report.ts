import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import { dirname } from 'node:path';
import { writeBenchReadme } from './bench-readme';

/** One measured line of a benchmark. Only `scenario` and `subject` are required; absent figures print as "–". */
export interface BenchRow {
  readonly scenario: string;
  /** What was measured, e.g. the adapter or the bare driver loop it is compared with. */
  readonly subject: string;
  readonly count?: number;
  readonly seconds?: number;
  /** CPU seconds (user + system) the subject used, every process of it. */
  readonly cpuSeconds?: number;
  /** Operations per second (appends, requests, …). */
  readonly opsPerSecond?: number;
  /** Events per second, when an operation carries several events. */
  readonly eventsPerSecond?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
  /** Longest event-loop stall seen while the scenario ran, in ms. */
  readonly loopMaxStallMs?: number;
  readonly loopP99DelayMs?: number;
  /** Of the longest stall: ms the main thread was on a CPU, waited on a run queue, and collected garbage (see stall-watch.ts). */
  readonly stallOnCpuMs?: number;
  readonly stallRunQueueWaitMs?: number;
  readonly stallGcMs?: number;
  /** Share of the scenario's time the event loop was busy (0–1). */
  readonly loopUtilisation?: number;
  /** Events per second of CPU time used by the process: steadier than wall-clock rates on a shared machine. */
  readonly eventsPerCpuSecond?: number;
  /** Peak resident set of the process that ran the scenario, MiB. */
  readonly peakRssMiB?: number;
  /** CPU time of a server process per message it delivered, in µs (fan-out). */
  readonly cpuMicrosecondsPerMessage?: number;
  /** CPU time of a process as a share of one core, in %. */
  readonly cpuPercentOfOneCore?: number;
  readonly note?: string;
}

export interface MachineDescription {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
}

export function describeMachine(): MachineDescription {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cpuCount: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
  };
}

const COLUMNS: readonly { key: keyof BenchRow; title: string; digits?: number }[] = [
  { key: 'scenario', title: 'scenario' },
  { key: 'subject', title: 'subject' },
  { key: 'count', title: 'count' },
  { key: 'seconds', title: 's', digits: 2 },
  { key: 'cpuSeconds', title: 'CPU-s', digits: 2 },
  { key: 'opsPerSecond', title: 'ops/s', digits: 0 },
  { key: 'eventsPerSecond', title: 'events/s', digits: 0 },
  { key: 'p50Ms', title: 'p50 ms', digits: 2 },
  { key: 'p99Ms', title: 'p99 ms', digits: 2 },
  { key: 'maxMs', title: 'max ms', digits: 2 },
  { key: 'loopMaxStallMs', title: 'loop max stall ms', digits: 1 },
  { key: 'loopP99DelayMs', title: 'loop p99 ms', digits: 1 },
  { key: 'stallOnCpuMs', title: 'stall on-CPU ms', digits: 0 },
  { key: 'stallRunQueueWaitMs', title: 'stall run-queue ms', digits: 0 },
  { key: 'stallGcMs', title: 'stall GC ms', digits: 0 },
  { key: 'loopUtilisation', title: 'loop busy', digits: 2 },
  { key: 'eventsPerCpuSecond', title: 'events/cpu-s', digits: 0 },
  { key: 'peakRssMiB', title: 'peak RSS MiB', digits: 0 },
  { key: 'note', title: 'note' },
];

/** Collects rows, prints them as a table and writes them with the machine and parameters as JSON. */
export class BenchReport {
  private readonly rows: BenchRow[] = [];
  private readonly startedAt = new Date();
  /** Figures on a shared machine mean little without the load they were taken under. */
  private readonly loadAtStart = loadavg()[0];

  constructor(
    readonly name: string,
    private readonly parameters: Readonly<Record<string, unknown>> = {},
  ) {}

  add(row: BenchRow): BenchRow {
    this.rows.push(row);
    process.stdout.write(`  ${formatRowInline(row)}\n`);
    return row;
  }

  /** The rows as an aligned text table; columns no row fills are left out. */
  table(): string {
    const columns = COLUMNS.filter((column) => this.rows.some((row) => row[column.key] !== undefined));
    const cells = this.rows.map((row) => columns.map((column) => format(row[column.key], column.digits)));
    const widths = columns.map((column, i) =>
      Math.max(column.title.length, ...cells.map((line) => line[i].length)),
    );
    const textual = new Set<keyof BenchRow>(['scenario', 'subject', 'note']);
    const line = (values: readonly string[]) =>
      values
        .map((value, i) =>
          textual.has(columns[i].key) ? value.padEnd(widths[i]) : value.padStart(widths[i]),
        )
        .join('  ')
        .trimEnd();
    return [
      line(columns.map((c) => c.title)),
      line(widths.map((w) => '-'.repeat(w))),
      ...cells.map(line),
    ].join('\n');
  }

  print(): void {
    const load = `load average (1 min) ${round2(this.loadAtStart)} at start, ${round2(loadavg()[0])} now, on ${cpus().length} CPUs`;
    process.stdout.write(`\n${this.name}\n${load}\n\n${this.table()}\n\n`);
  }

  /** Writes `{ name, startedAt, code, machine, parameters, rows }` to `file`, creating its directory. */
  writeJson(file: string, extra: Readonly<Record<string, unknown>> = {}): void {
    mkdirSync(dirname(file), { recursive: true });
    const document = {
      name: this.name,
      startedAt: this.startedAt.toISOString(),
      code: describeCode(),
      machine: describeMachine(),
      loadAverage1m: { atStart: round2(this.loadAtStart), atEnd: round2(loadavg()[0]) },
      parameters: this.parameters,
      ...extra,
      rows: this.rows,
    };
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    // bench/README.md shows every result file: regenerate it now that one changed.
    void writeBenchReadme()
      .then((changed) => changed && process.stdout.write('bench/README.md regenerated\n'))
      .catch((error: unknown) =>
        process.stderr.write(`bench/README.md not regenerated: ${(error as Error).message}\n`),
      );
  }
}

/**
 * The commit measured, and whether the working tree differed from it (results
 * files aside): a figure is only worth its code. Null outside a git checkout.
 */
function describeCode(): { commit: string; uncommittedChanges: boolean } | null {
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const commit = git('rev-parse', 'HEAD').trim();
    const changed = git('status', '--porcelain', '--', '.', ':(exclude)bench/results')
      .split('\n')
      .filter((line) => line.trim() !== '');
    return { commit, uncommittedChanges: changed.length > 0 };
  } catch {
    return null;
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function format(value: unknown, digits?: number): string {
  if (value === undefined || value === null) return '–';
  if (typeof value === 'number') {
    return digits === undefined
      ? value.toLocaleString('en-GB')
      : value.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  }
  return String(value);
}

function formatRowInline(row: BenchRow): string {
  return COLUMNS.filter((c) => row[c.key] !== undefined)
    .map((c) =>
      c.key === 'scenario' || c.key === 'subject'
        ? String(row[c.key])
        : `${c.title}=${format(row[c.key], c.digits)}`,
    )
    .join(' | ');
}
