import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { readFile } from 'node:fs/promises';
import type { ExportInclusionSource, ExportScope } from '@timeline/integrity';
import type { EventStore } from '@timeline/event-store';
import { CliFailure, CliUsageError, ExitCode, type CliCommand } from '../cli-command';
import {
  positiveInteger,
  usingStore,
  withStoreOptions,
  type StoreOptionValues,
  threadsOption,
} from '../support/store-options';
import { describeBreak, logSize } from './verify.command';

interface ExportOptions extends StoreOptionValues {
  readonly operation?: string;
  readonly all?: boolean;
  readonly out?: string;
  readonly exportedBy?: string;
  readonly pageSize: number;
  readonly threads: number;
  readonly treeHeads?: string;
  readonly publicKey?: string;
}

export const exportCommand: CliCommand = {
  name: 'export',
  register(program, context, setExitCode) {
    withStoreOptions(
      program
        .command('export')
        .description('Write an evidential export: <out>.ndjson (one event per line) and <out>.manifest.json.')
        .option('--operation <id>', 'the operation to export')
        .option('--all', 'export every operation of the log')
        .option('--out <path>', 'base name of the two files (default: ./export-<operation|log>-<time>)')
        .option('--exported-by <name>', 'who the manifest names as exporter (default: the OS user)')
        .addOption(
          new Option('--page-size <n>', 'events per store read')
            .default(500)
            .argParser(positiveInteger('--page-size', 10_000)),
        )
        .addOption(
          threadsOption(
            'threads exporting one long operation at once, each reading its own range of the stream; not with --tree-heads',
          ),
        )
        .option(
          '--tree-heads <file>',
          'published tree heads: the manifest carries the newest one the store reproduces and every covered event’s inclusion proof',
        )
        .option(
          '--public-key <pem>',
          'the Ed25519 key the tree heads are signed with (needed with --tree-heads)',
        ),
    ).action(async (options: ExportOptions) => {
      const { OPERATION_ID_PATTERN } = await import('../libraries/events');
      const { exportFilePaths, writeExportFiles } = await import('../libraries/integrity');
      if ((options.treeHeads === undefined) !== (options.publicKey === undefined)) {
        throw new CliUsageError('--tree-heads and --public-key go together');
      }
      if ((options.operation === undefined) === (options.all === undefined)) {
        throw new CliUsageError('give exactly one of --operation <id> or --all');
      }
      if (options.operation !== undefined && !OPERATION_ID_PATTERN.test(options.operation)) {
        throw new CliUsageError(`--operation "${options.operation}" is not a valid operation id`);
      }
      const scope: ExportScope =
        options.operation === undefined
          ? { kind: 'log' }
          : { kind: 'operation', operationId: options.operation };
      const startedAt = context.now();
      const stamp = startedAt
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const paths = exportFilePaths(
        resolve(context.cwd, options.out ?? `export-${options.operation ?? 'log'}-${stamp}`),
      );
      // An export is evidence: never replace one already written.
      for (const path of [paths.ndjsonPath, paths.manifestPath, `${paths.ndjsonPath}.partial`]) {
        if (existsSync(path)) throw new CliUsageError(`${path} already exists; choose another --out`);
      }
      await usingStore(context, options, async (store, target) => {
        const inclusion =
          options.treeHeads === undefined
            ? undefined
            : await inclusionFrom(store, {
                ...options,
                treeHeads: resolve(context.cwd, options.treeHeads),
                publicKey: resolve(context.cwd, options.publicKey!),
              });
        const bar = context.progress('exporting', scope.kind === 'log' ? await logSize(store) : null);
        const manifest = await writeExportFiles(
          store,
          scope,
          {
            exportedAt: startedAt.toISOString(),
            exportedBy: options.exportedBy ?? context.user,
            software: context.software,
            pageSize: options.pageSize,
            inclusion,
            threads: { store: target.eventStore, threads: options.threads },
          },
          paths,
          (done) => done % 1000 === 0 && bar.update(done),
        );
        bar.update(manifest.events);
        bar.stop();
        context.out(
          `wrote ${paths.ndjsonPath} (${manifest.events} events, ${manifest.ndjson.bytes} bytes, sha256 ${manifest.ndjson.sha256})\n`,
        );
        context.out(`wrote ${paths.manifestPath}\n`);
        if (manifest.inclusion) {
          context.out(
            `  tree head ${manifest.inclusion.treeHead.treeSize} ${manifest.inclusion.treeHead.rootHash}: ` +
              `${manifest.inclusion.proofs.length} events proven, ${manifest.inclusion.notCovered} after it\n`,
          );
        }
        if (manifest.chain.intact) {
          for (const head of manifest.chain.heads)
            context.out(`  ${head.operationId}: chain head revision ${head.revision} ${head.hash}\n`);
          setExitCode(ExitCode.ok);
        } else {
          context.err(`warning: the stored chain is broken; the export holds the events as stored\n`);
          context.out(describeBreak(manifest.chain.brokenAt, 0));
          setExitCode(ExitCode.failed);
        }
      });
    });
  },
};

/** The newest published head the store still reproduces, and the tree rebuilt from the store to prove events in it. */
async function inclusionFrom(store: EventStore, options: ExportOptions): Promise<ExportInclusionSource> {
  const {
    TreeHeadKeyError,
    ed25519PublicKey,
    inclusionSourceOf,
    latestMatchingTreeHead,
    readPublishedTreeHeads,
    rebuildMerkleLog,
  } = await import('../libraries/integrity');
  let publicKey;
  try {
    publicKey = ed25519PublicKey(await readFile(options.publicKey!, 'utf8'));
  } catch (error) {
    if (error instanceof TreeHeadKeyError) throw new CliUsageError(`--public-key: ${error.message}`);
    throw error;
  }
  const heads = await readPublishedTreeHeads(options.treeHeads!);
  const log = await rebuildMerkleLog(store, { pageSize: options.pageSize });
  const head = latestMatchingTreeHead(log, heads, publicKey);
  if (!head) {
    log.close();
    throw new CliFailure(
      `the store reproduces none of the signed heads in ${options.treeHeads}; run verify-heads to see why`,
      ExitCode.failed,
    );
  }
  return inclusionSourceOf(log, head);
}
