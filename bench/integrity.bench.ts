/**
 * `ts-node -r tsconfig-paths/register --transpile-only bench/integrity.bench.ts [--quick] [--events N] [--rounds R]`:
 * the auditors' work on one operation of N events in the embedded store
 * (default 1,000,000; --quick 20,000): chain verification through the port
 * (on one thread, and in ranges on one thread per core as the api and CLI do),
 * evidential export to NDJSON + manifest, and offline verification of that
 * export, each beside the same-run reference: the store's own read rate over
 * the same log (`readAll` in pages of the size the verifier reads). Each
 * measured phase runs in a fresh child process so its peak RSS is its own,
 * under a fixed 128 MiB heap limit, so a phase whose memory grew with the
 * operation would crash instead of passing. The phases alternate over R rounds
 * (default 3, --quick 1) and each row is the median round. --quick also takes
 * the threaded paths below their usual minimum length, so CI runs them. Prints a
 * table and writes bench/results/integrity.json (integrity.quick.json with --quick).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from '@timeline/event-store';
import type { GlobalPosition } from '@timeline/event-store/port';
import {
  DEFAULT_PAGE_SIZE,
  sealEvents,
  verifyExportFiles,
  verifyOperationStream,
  writeExportFiles,
  type SealedEvent,
  type UnsealedEvent,
} from '@timeline/integrity';
import type { JsonObject } from '@timeline/kernel';
import { BenchReport } from './support/bench-report';

const OPERATION = 'venetic';
/** Heap limit of every measured phase, whatever the number of events. */
const HEAP_LIMIT_MIB = 128;
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};

interface PhaseResult {
  readonly events: number;
  readonly seconds: number;
  /** CPU time of the whole process (every thread: the read-ahead's, hashing workers'). */
  readonly cpuSeconds?: number;
  readonly peakRssMiB: number;
  /** Peak JS heap: what the code itself holds (RSS also counts SQLite's memory-mapped file pages). */
  readonly peakHeapMiB?: number;
  readonly note?: string;
}

/** Samples the JS heap while a phase runs. */
function heapSampler(): { stop(): number } {
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().heapUsed) / 2 ** 20);
    },
  };
}

/** A realistic seizure with its envelope (about 900 bytes stored). */
function seizure(n: number): UnsealedEvent {
  const at = new Date(Date.UTC(2020, 3, 1) + n * 1000).toISOString();
  return {
    eventId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    type: 'SeizureRecorded',
    data: {
      seizureId: `SZ-${n}`,
      raidId: `RAID-${n % 977}`,
      seizedBy: 'NWP',
      postcodeDistrict: 'LL11',
      drugs: [
        {
          drugType: 'cocaine',
          drugClass: 'A',
          quantity: 1.25,
          unit: 'kg',
          purity: { testStatus: 'laboratory', percent: 71.5 },
        },
      ],
      cash: [{ amountPence: 2_000_000 + (n % 1000), power: 'poca-s294' }],
    },
    envelope: {
      schemaVersion: 1,
      operationId: OPERATION,
      occurredAt: at,
      recordedAt: at,
      recordedBy: 'officer-nwp-1',
      agency: 'NWP',
      correlationId: `corr-${n}`,
      causationId: null,
      classification: 'OFFICIAL-SENSITIVE',
    },
  };
}

async function seed(file: string, events: number): Promise<PhaseResult> {
  const started = performance.now();
  const store = await createEventStore({ kind: 'sqlite', file });
  const batch = 1000;
  let head: SealedEvent | null = null;
  for (let first = 0; first < events; first += batch) {
    const unsealed = Array.from({ length: Math.min(batch, events - first) }, (_, i) => seizure(first + i));
    const sealed = sealEvents(head?.envelope.hash ?? null, first, unsealed);
    await store.append(
      `operation-${OPERATION}`,
      sealed.map((event) => ({
        eventId: event.eventId,
        type: event.type,
        data: event.data,
        metadata: event.envelope as unknown as JsonObject,
      })),
      { expectedRevision: first === 0 ? 'no_stream' : first - 1 },
    );
    head = sealed[sealed.length - 1];
  }
  await store.close();
  return { events, seconds: (performance.now() - started) / 1000, peakRssMiB: peakRss() };
}

/** --quick: the threaded phases use threads however short the operation (their defaults start at 50,000 events). */
const threadsAtAnyLength = args.includes('--threads-at-any-length');

async function phase(name: string, dir: string): Promise<PhaseResult> {
  // Load the adapter's modules before the clock starts: a phase measures its work, not the loader.
  await (await createEventStore({ kind: 'sqlite', file: join(dir, 'events.db') })).close();
  const heap = heapSampler();
  const cpu = process.cpuUsage();
  const result = await runPhase(name, dir);
  const used = process.cpuUsage(cpu);
  return { ...result, cpuSeconds: (used.user + used.system) / 1e6, peakHeapMiB: heap.stop() };
}

async function runPhase(name: string, dir: string): Promise<PhaseResult> {
  const file = join(dir, 'events.db');
  const base = join(dir, 'export');
  const started = performance.now();
  if (name === 'read-all' || name === 'read-stream') {
    // The reference: the adapter's own reads, in the pages the verifier reads, each event touched once.
    const store = await createEventStore({ kind: 'sqlite', file });
    let events = 0;
    let types = 0;
    if (name === 'read-all') {
      let after: GlobalPosition | undefined;
      for (;;) {
        const page = await store.readAll({ after, maxCount: DEFAULT_PAGE_SIZE });
        for (const event of page) types += event.type.length;
        events += page.length;
        if (page.length < DEFAULT_PAGE_SIZE) break;
        after = page[page.length - 1].position;
      }
    } else {
      for (let fromRevision = 0; ; fromRevision += DEFAULT_PAGE_SIZE) {
        const page = await store.readStream(`operation-${OPERATION}`, {
          direction: 'forwards',
          fromRevision,
          maxCount: DEFAULT_PAGE_SIZE,
        });
        for (const event of page) types += event.type.length;
        events += page.length;
        if (page.length < DEFAULT_PAGE_SIZE) break;
      }
    }
    await store.close();
    if (types === 0) throw new Error('nothing read');
    return { events, seconds: (performance.now() - started) / 1000, peakRssMiB: peakRss() };
  }
  if (name === 'verify' || name === 'verify-one-thread') {
    const store = await createEventStore({ kind: 'sqlite', file });
    // As the api and the CLI verify by default: one range per core, each thread reading its own.
    const threads = name === 'verify' ? availableParallelism() : 1;
    const result = await verifyOperationStream(store, OPERATION, {
      threads: { store: { kind: 'sqlite', file }, threads, ...(threadsAtAnyLength ? { minEvents: 0 } : {}) },
    });
    await store.close();
    if (!result.ok) throw new Error(`chain broken: ${JSON.stringify(result.brokenAt)}`);
    return { events: result.events, seconds: (performance.now() - started) / 1000, peakRssMiB: peakRss() };
  }
  if (name === 'export' || name === 'export-one-thread') {
    const store = await createEventStore({ kind: 'sqlite', file });
    // Both write the export the offline phases verify; the threaded one (the CLI's default) last.
    rmSync(`${base}.ndjson`, { force: true });
    const manifest = await writeExportFiles(
      store,
      { kind: 'operation', operationId: OPERATION },
      {
        exportedAt: new Date().toISOString(),
        exportedBy: 'bench',
        software: { name: 'operation-timeline', version: 'bench' },
        threads: {
          store: { kind: 'sqlite', file },
          threads: name === 'export' ? availableParallelism() : 1,
          ...(threadsAtAnyLength ? { minEvents: 0 } : {}),
        },
      },
      { ndjsonPath: `${base}.ndjson`, manifestPath: `${base}.manifest.json` },
    );
    await store.close();
    const mib = (manifest.ndjson.bytes / 2 ** 20).toFixed(0);
    return {
      events: manifest.events,
      seconds: (performance.now() - started) / 1000,
      peakRssMiB: peakRss(),
      note: `${mib} MiB NDJSON`,
    };
  }
  if (name === 'verify-export' || name === 'verify-export-one-thread') {
    const result = await verifyExportFiles(
      { ndjsonPath: `${base}.ndjson`, manifestPath: `${base}.manifest.json` },
      // As the CLI verifies by default: one range of the file per core.
      {
        threads: name === 'verify-export' ? availableParallelism() : 1,
        ...(threadsAtAnyLength ? { minBytes: 0 } : {}),
      },
    );
    if (!result.ok) throw new Error(`export does not verify: ${JSON.stringify(result.problems)}`);
    return {
      events: result.recomputed.events,
      seconds: (performance.now() - started) / 1000,
      peakRssMiB: peakRss(),
    };
  }
  throw new Error(`unknown phase ${name}`);
}

function peakRss(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Runs a phase in a fresh process (same loaders as this one) and reads its JSON result. */
function inChild(name: string, dir: string, quick: boolean): PhaseResult {
  const child = spawnSync(
    process.execPath,
    [
      // A fixed heap cap: a phase that held the whole operation in memory would fail, not merely slow down.
      `--max-old-space-size=${HEAP_LIMIT_MIB}`,
      '-r',
      require.resolve('ts-node/register/transpile-only'),
      '-r',
      require.resolve('tsconfig-paths/register'),
      __filename,
      '--phase',
      name,
      '--dir',
      dir,
      ...(quick ? ['--threads-at-any-length'] : []),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (child.status !== 0) throw new Error(`phase ${name} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as PhaseResult;
}

/** The measured phases in the order each round runs them; the first is every row's reference. */
const PHASES = [
  { name: 'read-all', scenario: null, subject: 'store readAll (reference)' },
  { name: 'read-stream', scenario: "read the operation's stream through the port", subject: 'sqlite' },
  { name: 'verify-one-thread', scenario: 'verify the chain through the port, one thread', subject: 'sqlite' },
  {
    name: 'verify',
    scenario: 'verify the chain through the port, in ranges on threads (default)',
    subject: 'sqlite',
  },
  { name: 'export-one-thread', scenario: 'export to NDJSON + manifest, one thread', subject: 'sqlite' },
  {
    name: 'export',
    scenario: 'export to NDJSON + manifest, in ranges on threads (default)',
    subject: 'sqlite',
  },
  { name: 'verify-export-one-thread', scenario: 'verify the export offline, one thread', subject: 'sqlite' },
  {
    name: 'verify-export',
    scenario: 'verify the export offline, in ranges on threads (default)',
    subject: 'sqlite',
  },
] as const;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const phaseName = option('--phase');
  if (phaseName) {
    process.stdout.write(`${JSON.stringify(await phase(phaseName, option('--dir')!))}\n`);
    return;
  }
  const quick = args.includes('--quick');
  const events = Number(option('--events') ?? (quick ? 20_000 : 1_000_000));
  const rounds = Number(option('--rounds') ?? (quick ? 1 : 3));
  const report = new BenchReport('integrity: verify, export and offline verification of one operation', {
    events,
    quick,
    rounds,
    pageSize: DEFAULT_PAGE_SIZE,
    heapLimitMiB: HEAP_LIMIT_MIB,
    threads: availableParallelism(),
  });
  const dir = mkdtempSync(join(tmpdir(), 'timeline-integrity-bench-'));
  try {
    const seeded = await seed(join(dir, 'events.db'), events);
    report.add({
      scenario: 'seed: sealed batches of 1,000 through the port',
      subject: 'sqlite',
      count: seeded.events,
      seconds: seeded.seconds,
      eventsPerSecond: seeded.events / seeded.seconds,
      note: `peak RSS ${seeded.peakRssMiB} MiB`,
    });
    report.add({
      scenario: 'store size',
      subject: 'sqlite',
      count: events,
      note: `${(statSync(join(dir, 'events.db')).size / 2 ** 20).toFixed(0)} MiB`,
    });
    // Alternating rounds: the subject and its reference see the same machine load.
    const results = new Map<string, PhaseResult[]>(PHASES.map((p) => [p.name, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (const { name } of PHASES) results.get(name)!.push(inChild(name, dir, quick));
    }
    const summary = (runs: readonly PhaseResult[]) => {
      const rates = runs.map((run) => run.events / run.seconds);
      const rate = median(rates);
      return {
        count: runs[0].events,
        seconds: median(runs.map((run) => run.seconds)),
        eventsPerSecond: rate,
        eventsPerCpuSecond: median(runs.map((run) => run.events / run.cpuSeconds!)),
        peakRssMiB: Math.max(...runs.map((run) => run.peakRssMiB)),
        peakHeapMiB: Math.max(...runs.map((run) => run.peakHeapMiB ?? 0)),
        rounds: rates.map((r) => Math.round(r).toLocaleString('en-GB')).join(' / '),
        note: runs[0].note,
      };
    };
    const reference = summary(results.get('read-all')!);
    for (const { name, scenario, subject } of PHASES) {
      if (scenario === null) continue;
      const measured = summary(results.get(name)!);
      for (const [row, rowSubject] of [
        [reference, PHASES[0].subject],
        [measured, subject],
      ] as const) {
        report.add({
          scenario,
          subject: rowSubject,
          count: row.count,
          seconds: row.seconds,
          eventsPerSecond: row.eventsPerSecond,
          eventsPerCpuSecond: row.eventsPerCpuSecond,
          peakRssMiB: row.peakRssMiB,
          note: [`peak heap ${row.peakHeapMiB} MiB`, `rounds ${row.rounds} events/s`, row.note]
            .filter(Boolean)
            .join(', '),
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report.print();
  report.writeJson(join(__dirname, 'results', quick ? 'integrity.quick.json' : 'integrity.json'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
