import type { Command } from 'commander';
import type { EventStore, EventStoreOptions } from '@timeline/event-store';
import type { SoftwareIdentity } from '@timeline/integrity';

/** The CLI's exit codes: stable, documented in main.ts and the README. */
export const ExitCode = {
  ok: 0,
  /** A verification failed, or a replay differs from the server. */
  failed: 1,
  usage: 2,
  /** The store (or the server compared with) could not be reached. */
  unavailable: 3,
  /** The operation, file or resource named does not exist. */
  notFound: 4,
  unexpected: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type StoreAccess = 'read-only' | 'read-write';

export interface ProgressReporter {
  update(done: number): void;
  stop(): void;
}

/** Everything a command may touch outside itself, so commands run the same in-process (tests) and from a shell. */
export interface CliContext {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Environment of the edge; commands read their defaults from it (e.g. DATA_DIR), libraries never do. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly now: () => Date;
  /** The OS user running the command (who an export names as its author by default). */
  readonly user: string;
  readonly software: SoftwareIdentity;
  /**
   * Opens the store. `read-only` (verify, export, replay, backup) takes no lock and works beside a
   * running api; `read-write` (the default: seed, restore) takes the embedded store's lock and is
   * refused, naming the holder, while another process writes to it.
   */
  openStore(options: EventStoreOptions, access?: StoreAccess): Promise<EventStore>;
  /** A progress bar on an interactive stderr; silent otherwise. */
  progress(label: string, total: number | null): ProgressReporter;
  fetch: typeof fetch;
}

/**
 * One CLI command. Adding a command is one file `commands/<name>.command.ts`
 * exporting a CliCommand and one line in `commands/index.ts`.
 */
export interface CliCommand {
  readonly name: string;
  /**
   * Declares the command on `program` (`program.command(name)…`). Its action
   * returns the exit code; throwing a CliUsageError exits 2, an event store
   * 'unavailable' error 3, a 'not-found' error 4, anything else 5.
   */
  register(program: Command, context: CliContext, setExitCode: (code: ExitCode) => void): void;
}

/** Wrong or missing arguments that commander itself cannot detect (exit 2). */
export class CliUsageError extends Error {}

/** A failure a command reports with its own exit code and message. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
