/**
 * The Operation Timeline command line: `npm run cli -- <command> [options]`
 * (`npm run cli -- --help`, `npm run cli -- <command> --help`). `npm run cli` runs it
 * compiled to dist/cli: apps/run.js first compiles with SWC the sources changed
 * since its last run (all of them on the first).
 *
 * Commands
 *   verify          recompute the hash chains in the store; name the first broken link
 *                   (--operation <id>; --against <manifest> also checks an earlier export's heads are still there)
 *   export          write <name>.ndjson + <name>.manifest.json for an operation (--operation) or the log (--all)
 *   verify-export   check an export offline, from its files alone (two-file or single-file download)
 *   verify-audit    recompute the access audit's hash chain (embedded file or the cluster's stream)
 *   replay          replay the log (store, or --from-export file) into a fresh picture; --compare <url> with a server
 *   token, seed     local bearer tokens and demo data (their own command files)
 *   backup          copy the embedded store to one file while the api runs; check it, verify its chains
 *   restore         put a backup in place of the embedded store (api stopped; --replace keeps the old aside)
 *
 * The store: `--data-dir <dir>` (embedded SQLite; default $DATA_DIR or ./data, as the api)
 * or `--eventstore-url <esdb://…>` (default $EVENTSTORE_URL when $EVENT_STORE=eventstoredb).
 * Reading commands (verify, export, replay, backup) open the embedded store read-only and
 * work beside a running api; writing ones (seed, restore) take its lock and are refused,
 * naming the holder, while another process has it (exit 3).
 *
 * Exit codes: 0 ok · 1 verification failed or replay differs · 2 usage error ·
 * 3 store or server unavailable · 4 operation or file not found · 5 unexpected error.
 *
 * Adding a command: create `commands/<name>.command.ts` exporting a `CliCommand`
 * (see cli-command.ts: `register(program, context, setExitCode)` declares it with
 * commander and its action sets the exit code), then add one line to COMMANDS in
 * `commands/index.ts`. Use `context` for output, the store, time and HTTP, so the
 * command can be tested in-process with `runCli(argv, context)`. Every command is
 * declared at each start (for `--help`), so a command file imports libraries only as
 * types at its top and loads them in its action, `await import('../libraries/<name>')`
 * (the build rewrites `@timeline/*` in import declarations only, not in `import()`):
 * `--help`, `token` and the offline commands (`verify-export`, `replay --from-export`)
 * then start without Nest or a store driver (cli.startup.int-spec.ts). A command that may
 * run without a store imports the libraries' store-free entries (`@timeline/event-store/port`,
 * `@timeline/projections/folds`; `@timeline/integrity` is one), never `@timeline/event-store`
 * itself (.dependency-cruiser.js, offline-libraries-use-the-store-port).
 */
import { runCli } from './cli';
import { processContext } from './cli-context';

void runCli(process.argv.slice(2), processContext()).then((code) => {
  process.exitCode = code;
});
