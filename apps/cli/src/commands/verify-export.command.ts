import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ExportFiles } from '@timeline/integrity';
import { CliUsageError, ExitCode, type CliCommand } from '../cli-command';
import { threadsOption } from '../support/store-options';

interface VerifyExportOptions {
  readonly manifest?: string;
  readonly threads: number;
  readonly json?: boolean;
  readonly publicKey?: string;
}

export const verifyExportCommand: CliCommand = {
  name: 'verify-export',
  register(program, context, setExitCode) {
    program
      .command('verify-export')
      .description(
        'Verify an export offline, without the server: the NDJSON digest, every event hash and chain link, and every manifest figure (exit 1 on any disagreement).',
      )
      .argument(
        '<file>',
        '<name>.ndjson (with <name>.manifest.json beside it), the .manifest.json, or a single-file download ending with its manifest line',
      )
      .option('--manifest <path>', 'the manifest file, when it is not beside the NDJSON')
      .option(
        '--public-key <pem>',
        "the Ed25519 key tree heads are signed with: the manifest's tree head must carry its signature",
      )
      .addOption(
        threadsOption('threads verifying a large export at once, each reading its own part of the file'),
      )
      .option('--json', 'print the result as JSON')
      .action(async (file: string, options: VerifyExportOptions) => {
        const { verifyExportFiles } = await import('../libraries/integrity');
        const files = locateExportFiles(
          resolve(context.cwd, file),
          options.manifest && resolve(context.cwd, options.manifest),
        );
        const treeHeadKey =
          options.publicKey === undefined
            ? undefined
            : await publicKeyAt(resolve(context.cwd, options.publicKey));
        const result = await verifyExportFiles({ ...files, treeHeadKey }, { threads: options.threads });
        if (options.json) {
          context.out(`${JSON.stringify(result, null, 2)}\n`);
        } else if (result.ok) {
          const { recomputed, manifest } = result;
          context.out(`OK: ${files.ndjsonPath}: ${recomputed.events} events, sha256 ${recomputed.sha256}\n`);
          context.out(
            `  exported ${manifest!.exportedAt} by ${manifest!.exportedBy} with ${manifest!.software.name} ${manifest!.software.version}\n`,
          );
          for (const head of recomputed.heads)
            context.out(`  ${head.operationId}: chain head revision ${head.revision} ${head.hash}\n`);
          const inclusion = manifest!.inclusion;
          if (inclusion) {
            context.out(
              `  tree head: size ${inclusion.treeHead.treeSize}, root ${inclusion.treeHead.rootHash}, ${inclusion.treeHead.timestamp}; ` +
                `${inclusion.proofs.length} events proven in it, ${inclusion.notCovered} after it; ` +
                `signature ${treeHeadKey ? 'checked' : 'not checked (give --public-key)'}\n`,
            );
          }
        } else {
          context.out(`FAILED: ${files.ndjsonPath}\n`);
          for (const problem of result.problems) {
            context.out(
              `  ${problem.code}${problem.line === undefined ? '' : ` (line ${problem.line})`}: ${problem.message}\n`,
            );
          }
        }
        setExitCode(result.ok ? ExitCode.ok : ExitCode.failed);
      });
  },
};

/** The files of an export named by its NDJSON (manifest beside it, or none: single-file layout) or by its manifest. */
export function locateExportFiles(file: string, manifestPath: string | undefined): ExportFiles {
  if (manifestPath) return { ndjsonPath: file, manifestPath };
  if (file.endsWith('.manifest.json'))
    return { ndjsonPath: `${file.slice(0, -'.manifest.json'.length)}.ndjson`, manifestPath: file };
  const beside = file.endsWith('.ndjson') ? `${file.slice(0, -'.ndjson'.length)}.manifest.json` : null;
  return beside && existsSync(beside) ? { ndjsonPath: file, manifestPath: beside } : { ndjsonPath: file };
}

async function publicKeyAt(path: string) {
  const { TreeHeadKeyError, ed25519PublicKey } = await import('../libraries/integrity');
  try {
    return ed25519PublicKey(await readFile(path, 'utf8'));
  } catch (error) {
    if (error instanceof TreeHeadKeyError) throw new CliUsageError(`--public-key ${path}: ${error.message}`);
    throw error;
  }
}
