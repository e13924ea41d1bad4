import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliUsageError, ExitCode, type CliCommand } from '../cli-command';
import { storeTargetOf, withStoreOptions, type StoreOptionValues } from '../support/store-options';
import { describeCopy, EVENTSTOREDB_BACKUP_ADVICE, verifyCopy } from './backup.command';

interface RestoreOptions extends StoreOptionValues {
  readonly replace?: boolean;
}

/** Where the api keeps its projection checkpoints under the data directory (app.module.ts). */
const CHECKPOINT_DIRECTORY = 'projections';

export const restoreCommand: CliCommand = {
  name: 'restore',
  register(program, context, setExitCode) {
    withStoreOptions(
      program
        .command('restore')
        .description(
          'Put a backup in place of the embedded store (the api must be stopped): check it, verify its hash chains, keep any old store aside.',
        )
        .argument('<backup>', 'the backup file (written by the backup command)')
        .option('--replace', 'replace an existing store (kept as events.db.replaced-<time>)'),
    ).action(async (backup: string, options: RestoreOptions) => {
      const target = await storeTargetOf(options, context);
      if (target.eventStore.kind !== 'sqlite') throw new CliUsageError(EVENTSTOREDB_BACKUP_ADVICE);
      const { restoreSqliteStore } = await import('../libraries/event-store');
      const restored = await restoreSqliteStore(resolve(context.cwd, backup), target.eventStore.file, {
        replace: options.replace === true,
        now: context.now(),
        check: verifyCopy,
      });
      // The read models' checkpoints describe the log that was replaced: the api rebuilds them from the restored one.
      const checkpoints = join(target.dataDir, CHECKPOINT_DIRECTORY);
      let removed = 0;
      try {
        for (const name of readdirSync(checkpoints)) {
          if (!name.endsWith('.checkpoint.ndjson')) continue;
          rmSync(join(checkpoints, name));
          removed++;
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      context.out(`restored ${restored.file}: ${await describeCopy(restored)}\n`);
      if (restored.replacedFile) context.out(`  the store it replaced is kept as ${restored.replacedFile}\n`);
      if (removed > 0)
        context.out(`  removed ${removed} projection checkpoints: the api rebuilds them at start\n`);
      setExitCode(ExitCode.ok);
    });
  },
};
