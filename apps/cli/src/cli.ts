import { Command, CommanderError } from 'commander';
import { TimelineError } from '@timeline/kernel';
import { COMMANDS } from './commands';
import { CliFailure, CliUsageError, ExitCode, type CliContext } from './cli-command';

/**
 * Runs one CLI invocation in-process and resolves to its exit code; never calls
 * process.exit, so tests drive it directly.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.ok;
  const program = new Command('timeline')
    .description('Operation Timeline: verify, export, replay and seed the history of operations.')
    .version(context.software.version)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: context.out, writeErr: context.err });
  for (const command of COMMANDS) {
    command.register(program, context, (code) => (exitCode = code));
  }
  // Sub-commands inherit the overrides so their usage errors are caught too.
  for (const sub of program.commands)
    sub.exitOverride().configureOutput({ writeOut: context.out, writeErr: context.err });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return failure(error, context);
  }
}

function failure(error: unknown, context: CliContext): ExitCode {
  if (error instanceof CommanderError) {
    // Help and version output are successful runs; every other commander error is a usage error already printed.
    return error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
      ? ExitCode.ok
      : ExitCode.usage;
  }
  if (error instanceof CliFailure) {
    context.err(`error: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof CliUsageError) {
    context.err(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  if (error instanceof TimelineError) {
    context.err(`error: ${error.message}\n`);
    if (error.category === 'unavailable') return ExitCode.unavailable;
    if (error.category === 'not-found') return ExitCode.notFound;
    if (error.category === 'invalid-input') return ExitCode.usage;
    return ExitCode.unexpected;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    context.err(`error: no such file: ${(error as NodeJS.ErrnoException).path ?? ''}\n`);
    return ExitCode.notFound;
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    context.err(`error: cannot reach ${(error as Error).message}\n`);
    return ExitCode.unavailable;
  }
  context.err(`error: ${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.unexpected;
}
