import { resolve } from 'node:path';
import type { SqliteStoreCopy } from '@timeline/event-store';
import { CliFailure, CliUsageError, ExitCode, type CliCommand } from '../cli-command';
import { storeTargetOf, withStoreOptions, type StoreOptionValues } from '../support/store-options';
import { describeBreak } from './verify.command';

interface BackupOptions extends StoreOptionValues {
  readonly out: string;
}

/** EventStoreDB keeps its own files; its backups are taken the way its operators' guide says (README). */
export const EVENTSTOREDB_BACKUP_ADVICE =
  'EventStoreDB is backed up with its own tools (a file copy of its database directory, or a disk snapshot; see the README, Operations): this command backs up the embedded store';

/**
 * Recomputes the hash chains of a store file copy (backup or restore) before it is given its
 * name: a copy that would not verify is never left as a backup, nor put in place of the store.
 */
export async function verifyCopy(file: string): Promise<void> {
  const { createEventStore } = await import('../libraries/event-store');
  const { verifyLog } = await import('../libraries/integrity');
  const store = await createEventStore({ kind: 'sqlite', file, readOnly: true });
  try {
    const result = await verifyLog(store);
    if (!result.ok) {
      throw new CliFailure(
        `the copy does not verify: ${describeBreak(result.brokenAt, result.events).trim()}`,
        ExitCode.failed,
      );
    }
  } finally {
    await store.close();
  }
}

export async function describeCopy(copy: SqliteStoreCopy): Promise<string> {
  const { formatPosition, positionOf } = await import('../libraries/event-store');
  const head = copy.headSeq === null ? 'empty' : `up to position ${formatPosition(positionOf(copy.headSeq))}`;
  return `${copy.events} events, ${head}, ${copy.bytes} bytes, hash chains verified`;
}

export const backupCommand: CliCommand = {
  name: 'backup',
  register(program, context, setExitCode) {
    withStoreOptions(
      program
        .command('backup')
        .description(
          'Copy the embedded store to one file while the api runs (a consistent snapshot), check it and verify its hash chains.',
        )
        .requiredOption('--out <file>', 'the backup file to write (never overwritten)'),
    ).action(async (options: BackupOptions) => {
      const target = await storeTargetOf(options, context);
      if (target.eventStore.kind !== 'sqlite') throw new CliUsageError(EVENTSTOREDB_BACKUP_ADVICE);
      const { backupSqliteStore } = await import('../libraries/event-store');
      const copy = await backupSqliteStore(
        target.eventStore.file,
        resolve(context.cwd, options.out),
        verifyCopy,
      );
      context.out(`wrote ${copy.file}: ${await describeCopy(copy)}\n`);
      setExitCode(ExitCode.ok);
    });
  },
};
