import { userInfo } from 'node:os';
import { SingleBar, Presets } from 'cli-progress';
import type { EventStore, EventStoreOptions } from '@timeline/event-store';
// The one light file of the library, not its index: `--help` must not load the store's drivers or Nest.
import { readSoftwareIdentity } from '@timeline/integrity/export/software-identity';
import type { CliContext, ProgressReporter, StoreAccess } from './cli-command';

/** The context of a real invocation: the process's streams, environment, clock and the configured store. */
export function processContext(): CliContext {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    user: safeUser(),
    software: readSoftwareIdentity(__dirname),
    openStore,
    progress,
    fetch: (...args) => fetch(...args),
  };
}

/** Opens the configured store; `read-only` opens the embedded store without its lock (CliContext.openStore). */
export async function openStore(
  options: EventStoreOptions,
  access: StoreAccess = 'read-write',
): Promise<EventStore> {
  // Loaded on first use, so commands that need no store start without its drivers.
  const { createEventStore } = await import('./libraries/event-store');
  return createEventStore(
    options.kind === 'sqlite' ? { ...options, readOnly: access === 'read-only' } : options,
  );
}

/** Without a terminal (a pipe, a log file, CI), a line every few seconds instead of a bar (none for a short run). */
const PROGRESS_LINE_INTERVAL_MS = 5_000;

function progress(label: string, total: number | null): ProgressReporter {
  if (!process.stderr.isTTY) {
    let last = Date.now();
    let done = 0;
    let lines = 0;
    const line = () =>
      process.stderr.write(
        `${label}: ${done.toLocaleString('en-GB')}${total === null ? '' : `/${total}`} events\n`,
      );
    return {
      update: (value) => {
        done = value;
        if (Date.now() - last >= PROGRESS_LINE_INTERVAL_MS) {
          last = Date.now();
          lines += 1;
          line();
        }
      },
      // A run short enough to print no line stays quiet; a long one ends with its count.
      stop: () => {
        if (lines > 0) line();
      },
    };
  }
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format:
        total === null
          ? `${label} {value} events`
          : `${label} [{bar}] {percentage}% {value}/{total} events, eta {eta_formatted}`,
      fps: 5,
    },
    Presets.shades_classic,
  );
  bar.start(total ?? 0, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
