import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option } from 'commander';
import type { FirstFailure, TreeHeadCheck, TreeHeadsVerification } from '@timeline/integrity';
import { CliUsageError, ExitCode, type CliCommand } from '../cli-command';
import { logSize } from './verify.command';
import {
  positiveInteger,
  storeTargetOf,
  usingStore,
  withStoreOptions,
  type StoreOptionValues,
} from '../support/store-options';

interface VerifyHeadsOptions extends StoreOptionValues {
  readonly publicKey: string;
  readonly tree?: string;
  readonly pageSize: number;
  readonly json?: boolean;
}

/** The api keeps its tree beside the embedded store: `<DATA_DIR>/merkle/leaves.bin` (docs/merkle-log.md). */
const TREE_FILE = join('merkle', 'leaves.bin');

export const verifyHeadsCommand: CliCommand = {
  name: 'verify-heads',
  register(program, context, setExitCode) {
    withStoreOptions(
      program
        .command('verify-heads')
        .argument('<heads>', 'published tree heads: the JSON-lines heads file, one head, or a JSON array')
        .description(
          'Check the store against signed tree heads published earlier: each signature, the consistency of consecutive heads, ' +
            'and that the log still has every head’s root; name the first event whose inclusion fails (exit 1 when any check fails).',
        )
        .requiredOption(
          '--public-key <pem>',
          'the Ed25519 public key heads are signed with (GET /transparency/key)',
        )
        .option(
          '--tree <file>',
          "the api's tree file, used where it matches a head to name the exact first event that fails (default: <data-dir>/merkle/leaves.bin when present)",
        )
        .addOption(
          new Option('--page-size <n>', 'events per store read')
            .default(500)
            .argParser(positiveInteger('--page-size', 10_000)),
        )
        .option('--json', 'print the result as JSON'),
    ).action(async (headsPath: string, options: VerifyHeadsOptions) => {
      const { MerkleLog, readPublishedTreeHeads, verifyStoreAgainstTreeHeads } =
        await import('../libraries/integrity');
      const publicKey = await publicKeyOf(resolve(context.cwd, options.publicKey));
      const heads = await readPublishedTreeHeads(resolve(context.cwd, headsPath)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
        throw new CliUsageError(`${headsPath} holds no readable tree heads: ${(error as Error).message}`);
      });
      if (heads.length === 0) throw new CliUsageError(`${headsPath} holds no tree head`);
      const target = await storeTargetOf(options, context);
      const treePath =
        options.tree !== undefined
          ? resolve(context.cwd, options.tree)
          : target.eventStore.kind === 'sqlite' && existsSync(join(target.dataDir, TREE_FILE))
            ? join(target.dataDir, TREE_FILE)
            : undefined;
      if (treePath !== undefined && !existsSync(treePath))
        throw new CliUsageError(`--tree ${treePath}: no such file`);
      const reference = treePath === undefined ? undefined : MerkleLog.openFile(treePath, { readOnly: true });
      try {
        await usingStore(context, options, async (store) => {
          const bar = context.progress('rebuilding the tree', await logSize(store));
          const result = await verifyStoreAgainstTreeHeads(store, heads, publicKey, {
            reference,
            pageSize: options.pageSize,
            onProgress: (done) => bar.update(done),
          });
          bar.stop();
          context.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : describe(result, treePath));
          setExitCode(result.ok ? ExitCode.ok : ExitCode.failed);
        });
      } finally {
        reference?.close();
      }
    });
  },
};

async function publicKeyOf(path: string) {
  const { TreeHeadKeyError, ed25519PublicKey } = await import('../libraries/integrity');
  const pem = await readFile(path, 'utf8');
  try {
    return ed25519PublicKey(pem);
  } catch (error) {
    if (error instanceof TreeHeadKeyError) throw new CliUsageError(`--public-key ${path}: ${error.message}`);
    throw error;
  }
}

function describe(result: TreeHeadsVerification, treePath: string | undefined): string {
  const lines = [
    `${result.ok ? 'OK' : 'FAILED'}: ${result.leaves} events in the log, ${result.heads.length} published heads` +
      (treePath ? `, tree file ${treePath}` : ''),
  ];
  for (const head of result.heads) lines.push(`  ${describeHead(head)}`);
  for (const check of result.consistency) {
    lines.push(
      `  heads ${check.from.line} -> ${check.to.line} (size ${check.from.treeSize} -> ${check.to.treeSize}): ` +
        `${check.consistent ? 'consistent' : 'INCONSISTENT: the later head does not extend the earlier one'} (proved from the ${check.provenBy === 'log' ? 'log' : 'tree file'})`,
    );
  }
  if (result.firstFailure) lines.push(describeFailure(result.firstFailure));
  return `${lines.join('\n')}\n`;
}

function describeHead(head: TreeHeadCheck): string {
  const what = `head ${head.line} (treeSize ${head.treeSize ?? '?'}, ${head.timestamp ?? '?'})`;
  switch (head.status) {
    case 'matches':
      return `${what}: the log matches`;
    case 'refused':
      return `${what}: REFUSED: ${head.detail}`;
    case 'log-shorter':
      return `${what}: LOG SHORTER: ${head.detail} (events removed from the end)`;
    case 'root-differs':
      return `${what}: ROOT DIFFERS: ${head.detail} (history rewritten)`;
  }
}

function describeFailure(failure: FirstFailure): string {
  if (failure.kind === 'range') {
    return (
      `FIRST FAILURE: among events ${failure.fromLeaf}..${failure.toLeaf - 1} of the log (0-based), against head ${failure.againstLine}; ` +
      `give --tree with the api's tree file to name the event`
    );
  }
  const against = failure.againstLine === null ? '' : ` against head ${failure.againstLine}`;
  if (failure.reason === 'missing')
    return `FIRST FAILURE: event ${failure.leafIndex} of the log (position ${failure.position}) is missing${against}`;
  return (
    `FIRST FAILURE: event ${failure.eventId} (operation ${failure.operationId}, revision ${failure.revision}, ` +
    `position ${failure.position}, event ${failure.leafIndex} of the log): ` +
    `${failure.reason === 'hash-mismatch' ? 'its content no longer gives its stored hash' : 'not included'}${against}`
  );
}
