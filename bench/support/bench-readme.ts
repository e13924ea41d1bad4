/**
 * bench/README.md from bench/README.template.md and bench/results/*.json: the
 * template is the hand-written prose; each `<!-- bench-results: FILE -->` line
 * (optionally `; reference: REGEX`) becomes the result file's table, every
 * figure beside its same-run reference and the ratio between them, under the
 * machine and load average it was measured at.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchResultFile {
  readonly name?: string;
  readonly startedAt?: string;
  readonly code?: { readonly commit: string; readonly uncommittedChanges: boolean } | null;
  readonly commit?: string;
  readonly machine?: {
    readonly cpuModel: string;
    readonly cpuCount: number;
    readonly memoryGiB: number;
    readonly os?: string;
    readonly node: string;
  };
  readonly loadAverage1m?: { readonly atStart: number; readonly atEnd: number };
  readonly rows?: readonly Readonly<Record<string, unknown>>[];
}

const MARKER = /^<!--\s*bench-results:\s*([^;\s]+)\s*(?:;\s*reference:\s*(.+?)\s*)?-->$/;

/** The figures a row may carry, in the order a row's main figure is chosen, with their units. */
const FIGURES: readonly { key: string; unit: string; digits: number; higherIsBetter: boolean }[] = [
  { key: 'opsPerSecond', unit: 'ops/s', digits: 0, higherIsBetter: true },
  { key: 'eventsPerSecond', unit: 'events/s', digits: 0, higherIsBetter: true },
  { key: 'eventsPerCpuSecond', unit: 'events/CPU-s', digits: 0, higherIsBetter: true },
  { key: 'seconds', unit: 's', digits: 2, higherIsBetter: false },
  { key: 'cpuSeconds', unit: 'CPU-s', digits: 2, higherIsBetter: false },
  { key: 'p50Ms', unit: 'ms p50', digits: 2, higherIsBetter: false },
  { key: 'p99Ms', unit: 'ms p99', digits: 2, higherIsBetter: false },
  { key: 'maxMs', unit: 'ms max', digits: 2, higherIsBetter: false },
  { key: 'cpuMicrosecondsPerMessage', unit: 'µs CPU/message', digits: 2, higherIsBetter: false },
  { key: 'loopP99DelayMs', unit: 'ms loop p99', digits: 1, higherIsBetter: false },
  { key: 'loopMaxStallMs', unit: 'ms loop max stall', digits: 1, higherIsBetter: false },
  { key: 'stallOnCpuMs', unit: 'ms of it on a CPU', digits: 0, higherIsBetter: false },
  { key: 'stallRunQueueWaitMs', unit: 'ms of it waiting for a CPU', digits: 0, higherIsBetter: false },
  { key: 'stallGcMs', unit: 'ms of it in GC', digits: 0, higherIsBetter: false },
  { key: 'loopUtilisation', unit: 'loop busy', digits: 2, higherIsBetter: false },
  { key: 'peakRssMiB', unit: 'MiB peak RSS', digits: 0, higherIsBetter: false },
  { key: 'cpuPercentOfOneCore', unit: '% of a core', digits: 0, higherIsBetter: false },
];

function number(value: number, digits: number): string {
  return value.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function figuresOf(row: Readonly<Record<string, unknown>>): string {
  const parts = FIGURES.filter((figure) => typeof row[figure.key] === 'number').map(
    (figure) => `${number(row[figure.key] as number, figure.digits)} ${figure.unit}`,
  );
  return parts.join('; ') || '–';
}

function mainFigure(row: Readonly<Record<string, unknown>>) {
  return FIGURES.find((figure) => typeof row[figure.key] === 'number');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The line under a section's heading: when, on what, at which load, from which code. */
export function measuredOn(file: string, result: BenchResultFile): string {
  const machine = result.machine;
  const parts = [
    `\`bench/results/${file}\``,
    result.startedAt ? `${result.startedAt.slice(0, 16).replace('T', ' ')} UTC` : null,
    machine
      ? `${machine.cpuModel}, ${machine.cpuCount} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`
      : 'machine not recorded',
    result.loadAverage1m
      ? `load average ${result.loadAverage1m.atStart} → ${result.loadAverage1m.atEnd}`
      : 'load average not recorded',
    result.code
      ? `commit ${result.code.commit.slice(0, 7)}${result.code.uncommittedChanges ? ' with uncommitted changes' : ''}`
      : result.commit
        ? `commit ${result.commit.slice(0, 7)}`
        : null,
  ];
  return `_${parts.filter((part) => part !== null).join(' · ')}_`;
}

/** The round a subject names, as in "durable append (round 2)"; null when it names none. */
function roundOf(subject: unknown): string | null {
  return /\(round (\d+)\)$/.exec(String(subject))?.[1] ?? null;
}

/**
 * A row's same-run reference: a row of the same scenario whose subject matches
 * `reference` (of the same round, when the row names one and such a row exists),
 * the nearest one in the file (the one before it on a tie).
 */
function referenceOf(
  rows: readonly Readonly<Record<string, unknown>>[],
  index: number,
  reference: RegExp | null,
): Readonly<Record<string, unknown>> | null {
  if (reference === null || reference.test(String(rows[index].subject))) return null;
  const candidates = rows.filter(
    (row) => row.scenario === rows[index].scenario && reference.test(String(row.subject)),
  );
  const round = roundOf(rows[index].subject);
  const sameRound = candidates.some((row) => roundOf(row.subject) === round);
  let best: { row: Readonly<Record<string, unknown>>; distance: number } | null = null;
  rows.forEach((row, i) => {
    if (!candidates.includes(row) || (sameRound && roundOf(row.subject) !== round)) return;
    const distance = Math.abs(i - index) + (i > index ? 0.5 : 0);
    if (best === null || distance < best.distance) best = { row, distance };
  });
  return (best as { row: Readonly<Record<string, unknown>> } | null)?.row ?? null;
}

/** The table of one result file. */
export function resultTable(file: string, result: BenchResultFile, reference: RegExp | null): string {
  const rows = result.rows ?? [];
  const withReference = reference !== null;
  const header = withReference
    ? '| scenario | subject | figures | same-run reference | ratio | note |\n| --- | --- | --- | --- | --- | --- |'
    : '| scenario | subject | figures | note |\n| --- | --- | --- | --- |';
  const lines = rows.map((row, index) => {
    const figures = figuresOf(row);
    const note = typeof row.note === 'string' ? row.note : '';
    const count = typeof row.count === 'number' ? ` (${number(row.count, 0)})` : '';
    if (!withReference)
      return `| ${cell(String(row.scenario))} | ${cell(String(row.subject))}${count} | ${cell(figures)} | ${cell(note)} |`;
    const ref = referenceOf(rows, index, reference);
    const figure = mainFigure(row);
    let referenceText = '';
    let ratio = '';
    if (ref && figure && typeof ref[figure.key] === 'number' && (ref[figure.key] as number) !== 0) {
      referenceText = `${ref.subject}: ${number(ref[figure.key] as number, figure.digits)} ${figure.unit}`;
      ratio = `${number((row[figure.key] as number) / (ref[figure.key] as number), 2)}×`;
    }
    return `| ${cell(String(row.scenario))} | ${cell(String(row.subject))}${count} | ${cell(figures)} | ${cell(referenceText)} | ${ratio} | ${cell(note)} |`;
  });
  return [measuredOn(file, result), '', header, ...lines].join('\n');
}

/** Fills every marker of the template; a marker naming a missing result file is an error. */
export function renderBenchReadme(template: string, results: ReadonlyMap<string, BenchResultFile>): string {
  const lines = template.split('\n').map((line) => {
    const match = MARKER.exec(line.trim());
    if (!match) return line;
    const [, file, reference] = match;
    const result = results.get(file);
    if (!result) throw new Error(`bench/README.template.md names ${file}, which bench/results does not hold`);
    return resultTable(file, result, reference ? new RegExp(reference) : null);
  });
  return [
    '<!-- Generated by `npm run bench:readme` from bench/README.template.md and bench/results/*.json: edit those. -->',
    '',
    ...lines,
  ].join('\n');
}

/** The result files a README is made of: every JSON of the directory but quick and local runs. */
export function readBenchResults(directory: string): Map<string, BenchResultFile> {
  const results = new Map<string, BenchResultFile>();
  for (const file of readdirSync(directory).sort()) {
    if (!file.endsWith('.json') || file.endsWith('.quick.json') || file.endsWith('.local.json')) continue;
    results.set(file, JSON.parse(readFileSync(join(directory, file), 'utf8')) as BenchResultFile);
  }
  return results;
}

export const BENCH_DIRECTORY = join(__dirname, '..');

/** bench/README.md as it should be now, formatted as the repository's Prettier formats it. */
export async function expectedBenchReadme(directory = BENCH_DIRECTORY): Promise<string> {
  const template = readFileSync(join(directory, 'README.template.md'), 'utf8');
  const rendered = renderBenchReadme(template, readBenchResults(join(directory, 'results')));
  const target = join(directory, 'README.md');
  // Loaded here: the renderer itself runs without it (in tests).
  const prettier = await import('prettier');
  return prettier.format(rendered, { ...(await prettier.resolveConfig(target)), filepath: target });
}

/** Writes bench/README.md; true when it changed. */
export async function writeBenchReadme(directory = BENCH_DIRECTORY): Promise<boolean> {
  const expected = await expectedBenchReadme(directory);
  const target = join(directory, 'README.md');
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // No README yet.
  }
  if (current === expected) return false;
  writeFileSync(target, expected);
  return true;
}
