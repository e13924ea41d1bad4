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
