import { isAbsolute, join, resolve } from 'node:path';
import type { EventStoreOptions } from './event-store.factory';

/** The embedded store's file in a data directory (`<DATA_DIR>/events.db`), the one the api and the CLI open. */
export const EMBEDDED_STORE_FILE = 'events.db';

/** The embedded access audit's file in a data directory (`<DATA_DIR>/access-audit.db`). */
export const EMBEDDED_ACCESS_AUDIT_FILE = 'access-audit.db';

/** Where the deployables keep their state and which event store they open: the one description of both. */
export interface StoreConfig {
  /**
   * DATA_DIR, absolute: the embedded store and the state kept beside it (access audit,
   * projection checkpoints, the Merkle tree, local keys). Default `./data`.
   */
  readonly dataDir: string;
  /** EVENT_STORE and what it needs: the factory's options, ready for `createEventStore`. */
  readonly eventStore: EventStoreOptions;
}

/** A store setting that is wrong; each problem names its variable. */
export class StoreConfigurationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'StoreConfigurationError';
  }
}

/**
 * The store that holds the access audit (docs/security.md "Access audit"): on EventStoreDB the
 * cluster's own `access-audit` stream, one chain every api instance appends to; on the embedded
 * store a file of its own beside the events, so audit records never enter the log projections fold.
 */
export function accessAuditStoreOptions(config: StoreConfig): EventStoreOptions {
  return config.eventStore.kind === 'eventstoredb'
    ? config.eventStore
    : { kind: 'sqlite', file: join(config.dataDir, EMBEDDED_ACCESS_AUDIT_FILE) };
}

type Env = Readonly<Record<string, string | undefined>>;

const CONNECTION_STRING = /^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/\S+$/;

/**
 * Reads the store's settings from an environment (the api's process, the CLI's with
 * its flags laid over, a benchmark's): DATA_DIR, EVENT_STORE (`sqlite` | `eventstoredb`),
 * EVENTSTORE_URL (required iff eventstoredb), WRITE_QUEUE_MAX_EVENTS,
 * EVENTSTORE_RETRY_BUDGET_MS and EVENTSTORE_DEADLINE_MS (README "Configuration").
 * Called at the edge with the environment it is given; never reads process.env.
 * @throws StoreConfigurationError listing every wrong setting.
 */
export function readStoreConfig(env: Env, cwd: string): StoreConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return Number(raw);
  };

  const dataDirRaw = value('DATA_DIR') ?? 'data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  const maxQueuedEvents = integer('WRITE_QUEUE_MAX_EVENTS', 20_000, 1, 1_000_000);
  const kind = value('EVENT_STORE') ?? 'sqlite';
  const url = value('EVENTSTORE_URL');
  let eventStore: EventStoreOptions = {
    kind: 'sqlite',
    file: join(dataDir, EMBEDDED_STORE_FILE),
    maxQueuedEvents,
  };
  if (kind === 'eventstoredb') {
    if (url === undefined) {
      problems.push(
        'EVENTSTORE_URL is required when EVENT_STORE=eventstoredb (e.g. esdb://localhost:2113?tls=false)',
      );
    } else if (!CONNECTION_STRING.test(url)) {
      problems.push(
        `EVENTSTORE_URL must be an esdb:// or kurrentdb:// connection string; got ${JSON.stringify(url)}`,
      );
    } else {
      eventStore = {
        kind: 'eventstoredb',
        connectionString: url,
        retry: { budgetMs: integer('EVENTSTORE_RETRY_BUDGET_MS', 15_000, 0, 600_000) },
        deadlineMs: integer('EVENTSTORE_DEADLINE_MS', 10_000, 100, 600_000),
      };
    }
  } else if (kind !== 'sqlite') {
    problems.push(`EVENT_STORE must be sqlite or eventstoredb; got ${JSON.stringify(kind)}`);
  } else if (url !== undefined) {
    problems.push('EVENTSTORE_URL is only used with EVENT_STORE=eventstoredb; unset it or set EVENT_STORE');
  }

  if (problems.length > 0) throw new StoreConfigurationError(problems);
  return { dataDir, eventStore };
}
