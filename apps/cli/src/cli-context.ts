import { userInfo } from 'node:os';
import { SingleBar, Presets } from 'cli-progress';
import { createEventStore } from '@timeline/event-store';
import { readSoftwareIdentity } from '@timeline/integrity';
import type { CliContext, ProgressReporter, StoreAccess, StoreTarget } from './cli-command';
import { storeOptionsOf } from './support/store-options';

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
    openStore: (target: StoreTarget, access?: StoreAccess) =>
      createEventStore(storeOptionsOf(target, access)),
    progress,
    fetch: (...args) => fetch(...args),
  };
}

function progress(label: string, total: number | null): ProgressReporter {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
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
