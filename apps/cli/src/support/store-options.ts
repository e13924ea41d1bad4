import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EventStoreUnavailableError, type EventStore, type EventStoreOptions } from '@timeline/event-store';
import { CliUsageError, type CliContext, type StoreAccess, type StoreTarget } from '../cli-command';

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

export function storeTargetOf(values: StoreOptionValues, context: CliContext): StoreTarget {
  if (values.dataDir !== undefined && values.eventstoreUrl !== undefined) {
    throw new CliUsageError('give either --data-dir or --eventstore-url, not both');
  }
  if (values.eventstoreUrl !== undefined)
    return { kind: 'eventstoredb', connectionString: values.eventstoreUrl };
  if (values.dataDir === undefined && context.env.EVENT_STORE === 'eventstoredb') {
    const url = context.env.EVENTSTORE_URL;
    if (!url)
      throw new CliUsageError('EVENT_STORE=eventstoredb needs EVENTSTORE_URL (or pass --eventstore-url)');
    return { kind: 'eventstoredb', connectionString: url };
  }
  return { kind: 'sqlite', dataDir: resolve(context.cwd, values.dataDir ?? context.env.DATA_DIR ?? 'data') };
}

/**
 * Opens the store for reading (no lock: it works beside a running api), runs `work`, and closes
 * the store whatever happens.
 */
export async function usingStore<T>(
  context: CliContext,
  values: StoreOptionValues,
  work: (store: EventStore) => Promise<T>,
): Promise<T> {
  const target = storeTargetOf(values, context);
  // Reading commands must not create an empty store where none was: that would pass as "verified, 0 events".
  if (target.kind === 'sqlite' && !existsSync(join(target.dataDir, STORE_FILE))) {
    throw new EventStoreUnavailableError(`no embedded store in ${target.dataDir} (no events.db)`);
  }
  const store = await context.openStore(target, 'read-only');
  try {
    return await work(store);
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

/** The embedded store's file in a data directory: the same one the api opens (`<DATA_DIR>/events.db`). */
export const STORE_FILE = 'events.db';

export function storeOptionsOf(target: StoreTarget, access: StoreAccess = 'read-write'): EventStoreOptions {
  return target.kind === 'sqlite'
    ? { kind: 'sqlite', file: join(target.dataDir, STORE_FILE), readOnly: access === 'read-only' }
    : { kind: 'eventstoredb', connectionString: target.connectionString };
}
