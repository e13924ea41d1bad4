import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small file system of its own for a fault test: a tmpfs the test mounts, fills, and remounts. */
export interface Tmpfs {
  readonly dir: string;
  /** Makes the whole file system read-only (nothing may be open for writing on it). */
  readOnly(): void;
  readWrite(): void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `size` (e.g. '4m') on a fresh directory, or says why it
 * cannot (not root, no permission to mount): the caller skips with that reason.
 */
export function mountTmpfs(size: string): Tmpfs | { readonly cannot: string } {
  if (process.platform !== 'linux') return { cannot: `tmpfs needs Linux, this is ${process.platform}` };
  if (process.getuid?.() !== 0) return { cannot: 'mounting a tmpfs needs root' };
  const dir = mkdtempSync(join(tmpdir(), 'timeline-tmpfs-'));
  const mount = (...args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });
  try {
    mount('-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return {
      cannot: `mount -t tmpfs failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`,
    };
  }
  return {
    dir,
    readOnly: () => mount('-o', 'remount,ro', dir),
    readWrite: () => mount('-o', 'remount,rw', dir),
    unmount: () => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
