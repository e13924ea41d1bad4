import { closeSync, fdatasync, fdatasyncSync, fstatSync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Makes the WAL's frames written so far durable. It must cover every frame written before it was
 * called, and settle only once they are on the disk; it runs off the event loop.
 */
export type WalSync = (fd: number) => Promise<void>;

/** `fdatasync(2)` of the WAL on the libuv pool: the event loop goes on while the disk works. */
export const fdatasyncOnThePool: WalSync = (fd) =>
  new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));

/**
 * The store's own descriptor of its WAL (`<file>-wal`), which it syncs after each group commit.
 * A sync of any descriptor of a file covers the file's pages written through every other one,
 * so syncing this one covers the frames SQLite's connection wrote. It must be the WAL's current
 * file: SQLite reuses the WAL in place (rewinding it, or cutting it to `journal_size_limit`)
 * for as long as a connection has it open, and the store's writer connection has it open for
 * the store's whole life; the identity is checked anyway after every checkpoint
 * (docs/architecture.md, "Durability of the embedded store").
 */
export class SqliteWalFile {
  private constructor(
    readonly path: string,
    readonly fd: number,
    private readonly identity: { readonly dev: number; readonly ino: number },
  ) {}

  /**
   * Opens the WAL of `file`, which the writer connection has created. Frames left unsynced by a
   * process that ended before syncing them are synced now, before anything of the log is read,
   * and so is the WAL's directory entry.
   */
  static open(file: string): SqliteWalFile {
    const path = `${file}-wal`;
    const fd = openSync(path, 'r');
    try {
      fdatasyncSync(fd);
      const directory = openSync(dirname(path), 'r');
      try {
        fsyncSync(directory);
      } finally {
        closeSync(directory);
      }
      const { dev, ino } = fstatSync(fd);
      return new SqliteWalFile(path, fd, { dev, ino });
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Why the WAL's path no longer names the file this descriptor syncs, or null while it does. */
  identityLost(): string | null {
    let current: { dev: number; ino: number };
    try {
      current = statSync(this.path);
    } catch (error) {
      return `the write-ahead log ${this.path} cannot be found (${(error as Error).message})`;
    }
    if (current.dev === this.identity.dev && current.ino === this.identity.ino) return null;
    return `the write-ahead log ${this.path} was replaced by another file`;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Errors of a sync that mean nobody can be writing the file (a read-only file system) or nothing is pending (no WAL). */
const NOTHING_TO_SYNC = new Set(['ENOENT', 'EROFS', 'EINVAL']);

/**
 * What a process that only reads the store may show of a file another process writes: the log's
 * head as it was when this process last synced the file's WAL itself. The writing process
 * commits before its own sync returns, so a reader elsewhere could otherwise see an event that a
 * power loss then takes away; a sync of the WAL from here covers every frame committed before it
 * (docs/architecture.md, "Durability of the embedded store"). The head moves on when `refresh`
 * is called: at open and at each poll for commits of other processes.
 */
export class SyncedHead {
  private seq = 0;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    /** The file's head, whatever is durable (the reader's unbounded head query). */
    private readonly headOfFile: () => number | null,
    private readonly sync: WalSync,
  ) {}

  /** The highest seq reads may return. */
  readonly visibleUpTo = (): number => this.seq;

  /** Syncs the WAL if the file's head moved past what is shown, then shows up to that head. */
  refresh(): Promise<void> {
    this.refreshing ??= this.syncToHead().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async syncToHead(): Promise<void> {
    // Read before the sync, so that the sync covers every commit up to it.
    const head = this.headOfFile() ?? 0;
    if (head <= this.seq) return;
    let fd: number;
    try {
      fd = openSync(`${this.file}-wal`, 'r');
    } catch (error) {
      if (NOTHING_TO_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) {
        this.seq = Math.max(this.seq, head);
        return;
      }
      throw error;
    }
    try {
      await this.sync(fd);
    } catch (error) {
      if (!NOTHING_TO_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    } finally {
      closeSync(fd);
    }
    this.seq = Math.max(this.seq, head);
  }
}
