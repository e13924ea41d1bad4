import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { verifyExportFiles, type ExportFiles } from '@timeline/integrity';
import { ExitCode, type CliCommand } from '../cli-command';

interface VerifyExportOptions {
  readonly manifest?: string;
  readonly json?: boolean;
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
      .option('--json', 'print the result as JSON')
      .action(async (file: string, options: VerifyExportOptions) => {
        const files = locateExportFiles(
          resolve(context.cwd, file),
          options.manifest && resolve(context.cwd, options.manifest),
        );
        const result = await verifyExportFiles(files);
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
