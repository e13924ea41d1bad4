import { Option } from 'commander';
import type { EventStore } from '@timeline/event-store';
import { resolve } from 'node:path';
import type { AnchorCheck, ChainBreak, StreamHead } from '@timeline/integrity';
import { CliUsageError, ExitCode, type CliCommand } from '../cli-command';
import {
  positiveInteger,
  usingStore,
  withStoreOptions,
  type StoreOptionValues,
  threadsOption,
} from '../support/store-options';

interface VerifyOptions extends StoreOptionValues {
  readonly operation?: string;
  readonly pageSize: number;
  readonly threads: number;
  readonly json?: boolean;
  readonly against?: string;
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  register(program, context, setExitCode) {
    withStoreOptions(
      program
        .command('verify')
        .description(
          'Recompute the hash chains in the store and name the first broken link (exit 1 when broken).',
        )
        .option('--operation <id>', 'verify one operation only (default: every operation in the log)')
        .addOption(
          new Option('--page-size <n>', 'events per store read')
            .default(500)
            .argParser(positiveInteger('--page-size', 10_000)),
        )
        .addOption(
          threadsOption(
            'threads verifying one long operation at once, each reading its own range of the stream',
          ),
        )
        .option(
          '--against <manifest>',
          'also check that the chain heads of an earlier export (its .manifest.json or single-file download) are still in the store: reveals events removed from the end since then',
        )
        .option('--json', 'print the result as JSON'),
    ).action(async (options: VerifyOptions) => {
      // Loaded when the command runs: `--help` needs none of it (the same in every command).
      const { OPERATION_ID_PATTERN } = await import('../libraries/events');
      const { checkAnchors, verifyLog, verifyOperationStream } = await import('../libraries/integrity');
      if (options.operation !== undefined && !OPERATION_ID_PATTERN.test(options.operation)) {
        throw new CliUsageError(`--operation "${options.operation}" is not a valid operation id`);
      }
      const anchors =
        options.against === undefined
          ? []
          : await anchorsOf(resolve(context.cwd, options.against), options.operation);
      await usingStore(context, options, async (store, target) => {
        const bar = context.progress(
          'verifying',
          options.operation === undefined ? await logSize(store) : null,
        );
        const onProgress = (done: number) => bar.update(done);
        const result =
          options.operation === undefined
            ? await verifyLog(store, { pageSize: options.pageSize, onProgress })
            : await verifyOperationStream(store, options.operation, {
                pageSize: options.pageSize,
                onProgress,
                threads: { store: target.eventStore, threads: options.threads },
              });
        bar.stop();
        const anchorChecks = await checkAnchors(store, anchors);
        const anchored = anchorChecks.every((check) => check.status === 'present');
        if (options.json) {
          context.out(
            `${JSON.stringify(options.against === undefined ? result : { ...result, anchors: anchorChecks }, null, 2)}\n`,
          );
        } else if (!result.ok) context.out(describeBreak(result.brokenAt, result.events));
        else if ('head' in result) {
          context.out(
            `OK: operation ${result.operationId}: ${result.events} events, chain head revision ${result.head.revision} ${result.head.hash}\n`,
          );
        } else {
          context.out(
            `OK: ${result.events} events in ${result.streams.length} operations, up to position ${result.lastPosition ?? '-'}\n`,
          );
          for (const stream of result.streams) {
            context.out(`  ${stream.operationId}: head revision ${stream.revision} ${stream.hash}\n`);
          }
        }
        if (!options.json) for (const check of anchorChecks) context.out(describeAnchor(check));
        setExitCode(result.ok && anchored ? ExitCode.ok : ExitCode.failed);
      });
    });
  },
};

export function describeBreak(brokenAt: ChainBreak, intactBefore: number): string {
  return (
    `BROKEN: operation ${brokenAt.operationId}, revision ${brokenAt.revision}, event ${brokenAt.eventId}, ` +
    `position ${brokenAt.position}: ${brokenAt.reason} (expected ${String(brokenAt.expected)}, found ${String(brokenAt.actual)}); ` +
    `${intactBefore} events verified before it\n`
  );
}

/** The embedded store's positions count events, so its head is the log's size; other stores give no total. */
export async function logSize(store: EventStore): Promise<number | null> {
  const { kind, headPosition } = await store.describe();
  return kind === 'sqlite' && headPosition ? Number(headPosition.commit) : null;
}

async function anchorsOf(path: string, operationId: string | undefined): Promise<StreamHead[]> {
  const { readExportManifest } = await import('../libraries/integrity');
  const manifest = await readExportManifest(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    throw new CliUsageError(
      `--against ${path} holds no readable export manifest: ${(error as Error).message}`,
    );
  });
  if (!manifest.chain.intact)
    throw new CliUsageError(`--against ${path}: that export recorded a broken chain; it anchors nothing`);
  return manifest.chain.heads.filter((head) => operationId === undefined || head.operationId === operationId);
}

function describeAnchor(check: AnchorCheck): string {
  const where = `anchor ${check.operationId} revision ${check.revision} ${check.hash}`;
  if (check.status === 'present') return `  ${where}: present\n`;
  if (check.status === 'missing')
    return `MISSING: ${where}: the store no longer holds that revision (events removed since)\n`;
  return `DIFFERENT: ${where}: the store holds ${check.storedHash} there (history rewritten since)\n`;
}
