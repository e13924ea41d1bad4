import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import type { EventStore, StoreConfig } from '@timeline/event-store';
import { CliUsageError, type CliContext } from '../cli-command';

export interface StoreOptionValues {
  readonly dataDir?: string;
  readonly eventstoreUrl?: string;
}

/** Adds the options naming the store, with the api's defaults (DATA_DIR, EVENT_STORE, EVENTSTORE_URL). */
export function withStoreOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'directory of the embedded store (default: $DATA_DIR or ./data)')
    .option(
      '--eventstore-url <url>',
      'EventStoreDB connection string (default: $EVENTSTORE_URL when $EVENT_STORE=eventstoredb)',
    );
}

/**
 * The store a command works on: the api's settings (readStoreConfig over the environment:
 * DATA_DIR, EVENT_STORE, EVENTSTORE_URL…) with `--data-dir` or `--eventstore-url` laid over them.
 */
export async function storeTargetOf(values: StoreOptionValues, context: CliContext): Promise<StoreConfig> {
  if (values.dataDir !== undefined && values.eventstoreUrl !== undefined) {
    throw new CliUsageError('give either --data-dir or --eventstore-url, not both');
  }
  const flags =
    values.eventstoreUrl !== undefined
      ? { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: values.eventstoreUrl }
      : values.dataDir !== undefined
        ? { EVENT_STORE: 'sqlite', EVENTSTORE_URL: undefined, DATA_DIR: values.dataDir }
        : {};
  // Loaded here, not at the top: a command's --help must not load the store's drivers.
  const { readStoreConfig, StoreConfigurationError } = await import('../libraries/event-store');
  try {
    return readStoreConfig({ ...context.env, ...flags }, context.cwd);
  } catch (error: unknown) {
    if (!(error instanceof StoreConfigurationError)) throw error;
    const fromFlags = values.dataDir !== undefined || values.eventstoreUrl !== undefined;
    throw new CliUsageError(
      fromFlags ? error.message : `${error.message} (or pass --data-dir or --eventstore-url)`,
    );
  }
}

/**
 * Opens the store for reading (no lock: it works beside a running api), runs `work` with it and
 * the settings it was opened from, and closes the store whatever happens.
 */
export async function usingStore<T>(
  context: CliContext,
  values: StoreOptionValues,
  work: (store: EventStore, target: StoreConfig) => Promise<T>,
): Promise<T> {
  const target = await storeTargetOf(values, context);
  // Reading commands must not create an empty store where none was: that would pass as "verified, 0 events".
  if (target.eventStore.kind === 'sqlite' && !existsSync(target.eventStore.file)) {
    const { EventStoreUnavailableError } = await import('../libraries/event-store');
    throw new EventStoreUnavailableError(`no embedded store in ${target.dataDir} (no events.db)`);
  }
  const store = await context.openStore(target.eventStore, 'read-only');
  try {
    return await work(store, target);
  } finally {
    await store.close();
  }
}

/** Parses a positive integer option, or throws a usage error naming it. */
export function positiveInteger(name: string, max: number): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1 || parsed > max) {
      throw new CliUsageError(`${name} must be an integer from 1 to ${max}, got "${value}"`);
    }
    return parsed;
  };
}

/** `--threads <n>`: how many threads a long verification or export uses; default the machine's cores. */
export function threadsOption(description: string): Option {
  return new Option('--threads <n>', `${description} (1: this thread only)`)
    .default(availableParallelism(), "the machine's cores")
    .argParser(positiveInteger('--threads', 64));
}
