import type { CliCommand } from '../cli-command';
import { backupCommand } from './backup.command';
import { exportCommand } from './export.command';
import { issueTokenCommand } from './issue-token.command';
import { replayCommand } from './replay.command';
import { restoreCommand } from './restore.command';
import { seedCommand } from './seed.command';
import { verifyExportCommand } from './verify-export.command';
import { verifyCommand } from './verify.command';
import { verifyHeadsCommand } from './verify-heads.command';
import { verifyAuditCommand } from './verify-audit.command';

/**
 * Every command of the CLI, in the order `--help` lists them. Register a new
 * command with one line here (one entry per line, so additions never collide).
 */
// prettier-ignore
export const COMMANDS: readonly CliCommand[] = [
  verifyCommand,
  exportCommand,
  verifyExportCommand,
  replayCommand,
  issueTokenCommand,
  seedCommand,
  backupCommand,
  restoreCommand,
  verifyHeadsCommand,
  verifyAuditCommand,
];
