import { existsSync } from 'node:fs';
import { Option } from 'commander';
import type { AccessAuditVerification } from '@timeline/integrity';
import { ExitCode, type CliCommand } from '../cli-command';
import {
  positiveInteger,
  storeTargetOf,
  withStoreOptions,
  type StoreOptionValues,
} from '../support/store-options';

interface VerifyAuditOptions extends StoreOptionValues {
  readonly pageSize: number;
  readonly json?: boolean;
}

/**
 * `verify-audit`: recomputes the access audit's hash chain (docs/auditing.md) where the api
 * keeps it — `<data-dir>/access-audit.db` beside the embedded store, or the `access-audit`
 * stream of the EventStoreDB cluster that every api instance appends to — and names the
 * first broken link (exit 1).
 */
export const verifyAuditCommand: CliCommand = {
  name: 'verify-audit',
  register(program, context, setExitCode) {
    withStoreOptions(
      program
        .command('verify-audit')
        .description(
          "Recompute the access audit's hash chain and name the first broken link (exit 1 when broken).",
        )
        .addOption(
          new Option('--page-size <n>', 'records per store read')
            .default(500)
            .argParser(positiveInteger('--page-size', 10_000)),
        )
        .option('--json', 'print the result as JSON'),
    ).action(async (options: VerifyAuditOptions) => {
      const target = await storeTargetOf(options, context);
      const { accessAuditStoreOptions, EventStoreUnavailableError } =
        await import('../libraries/event-store');
      const { verifyAccessAudit } = await import('../libraries/integrity');
      const auditStore = accessAuditStoreOptions(target);
      // Never create an empty audit where none was: that would pass as "intact, 0 records".
      if (auditStore.kind === 'sqlite' && !existsSync(auditStore.file)) {
        throw new EventStoreUnavailableError(`no access audit in ${target.dataDir} (no access-audit.db)`);
      }
      const store = await context.openStore(auditStore, 'read-only');
      let result: AccessAuditVerification;
      try {
        const bar = context.progress('verifying the access audit', null);
        result = await verifyAccessAudit(store, {
          pageSize: options.pageSize,
          onProgress: (done) => bar.update(done),
        });
        bar.stop();
      } finally {
        await store.close();
      }
      context.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : describe(result));
      setExitCode(result.ok ? ExitCode.ok : ExitCode.failed);
    });
  },
};

function describe(result: AccessAuditVerification): string {
  if (result.ok) {
    return result.head === null
      ? 'OK: the access audit holds no record\n'
      : `OK: ${result.records} access records, chain head sequence ${result.head.sequence} ${result.head.hash}\n`;
  }
  const { brokenAt } = result;
  return (
    `BROKEN: access audit record ${brokenAt.sequence}, event ${brokenAt.eventId}: ${brokenAt.reason} ` +
    `(expected ${String(brokenAt.expected)}, found ${String(brokenAt.actual)}); ` +
    `${result.records} records verified before it\n`
  );
}
