import { resolve } from 'node:path';
import { canonicalJson } from '@timeline/kernel';
import type { GlobalPosition } from '@timeline/event-store';
import { CliFailure, CliUsageError, ExitCode, type CliCommand, type CliContext } from '../cli-command';
import { jsonDifferences } from '../replay/json-diff';
import type { ReplayResult } from '../replay/replay';
import { locateExportFiles } from './verify-export.command';
import { usingStore, withStoreOptions, type StoreOptionValues } from '../support/store-options';

interface ReplayOptions extends StoreOptionValues {
  readonly operation?: string;
  readonly fromExport?: string;
  readonly manifest?: string;
  readonly verify: boolean;
  readonly compare?: string;
  readonly token?: string;
}

/** What a server's picture route answered. */
interface ServerPicture {
  readonly body: { readonly asOf?: { readonly position?: string | null } };
  readonly url: string;
  /** The agency of the token the picture was read with: the server showed what it may see. */
  readonly agency: string;
  /** For the national picture: the operations the server summed (those the agency takes part in). */
  readonly operationIds: ReadonlySet<string> | null;
}

export const replayCommand: CliCommand = {
  name: 'replay',
  register(program, context, setExitCode) {
    withStoreOptions(
      program
        .command('replay')
        .description(
          'Replay the log (from the store, or from an export file) into a fresh operational picture and print it; ' +
            'with --compare, compare it with a running server’s picture (exit 1 when they differ).',
        )
        .option('--operation <id>', 'the picture of one operation (default: the national picture)')
        .option('--from-export <file>', 'replay an export file instead of the store (verified first)')
        .option('--manifest <path>', 'the export’s manifest, when not beside the file')
        .option('--no-verify', 'replay an export without verifying it first')
        .option('--compare <baseUrl>', 'the server to compare with, e.g. http://localhost:3000')
        .option('--token <jwt>', 'bearer token for --compare (default: $TIMELINE_TOKEN)'),
    ).action(async (options: ReplayOptions) => {
      const { OPERATION_ID_PATTERN } = await import('../libraries/events');
      const { formatPosition, parsePosition, positionOf } = await import('../libraries/event-store-port');
      const { verifyExportFiles } = await import('../libraries/integrity');
      const { eventsFromExport, eventsFromStore, replayPicture } = await import('../replay/replay');
      if (options.operation !== undefined && !OPERATION_ID_PATTERN.test(options.operation)) {
        throw new CliUsageError(`--operation "${options.operation}" is not a valid operation id`);
      }
      if (
        options.fromExport !== undefined &&
        (options.dataDir !== undefined || options.eventstoreUrl !== undefined)
      ) {
        throw new CliUsageError(
          'give either --from-export or a store (--data-dir / --eventstore-url), not both',
        );
      }
      // The server's picture is fetched first: the replay then stops at the position it reflects,
      // and shows what the token's agency may see, as the server does.
      const server = options.compare === undefined ? null : await fetchServerPicture(context, options);
      const upTo = server ? serverPosition(server, parsePosition, positionOf) : undefined;
      const viewer = server ? { agency: server.agency } : undefined;
      const operationIds = server?.operationIds ?? undefined;
      const bar = context.progress('replaying', null);
      const replayOptions = {
        operationId: options.operation,
        upTo,
        viewer,
        operationIds,
        onProgress: (done: number) => bar.update(done),
      };
      let result: ReplayResult;
      if (options.fromExport !== undefined) {
        const ndjsonPath = resolve(context.cwd, options.fromExport);
        if (options.verify) {
          const verification = await verifyExportFiles(
            locateExportFiles(ndjsonPath, options.manifest && resolve(context.cwd, options.manifest)),
          );
          if (!verification.ok) {
            bar.stop();
            context.err(
              `error: the export does not verify (${verification.problems.map((problem) => problem.code).join(', ')}); run verify-export for details\n`,
            );
            setExitCode(ExitCode.failed);
            return;
          }
        }
        result = await replayPicture(eventsFromExport(ndjsonPath, options.operation), replayOptions);
      } else {
        result = await usingStore(context, options, (store) =>
          replayPicture(eventsFromStore(store, options.operation), replayOptions),
        );
      }
      bar.stop();
      if (result.picture === null) {
        context.err(`error: the replayed log holds no event of operation ${options.operation}\n`);
        setExitCode(ExitCode.notFound);
        return;
      }
      const replayedAt = result.lastPosition ? formatPosition(result.lastPosition) : '-';
      if (!server) {
        context.out(`${JSON.stringify(result.picture, null, 2)}\n`);
        context.err(`replayed ${result.events} events up to position ${replayedAt}\n`);
        setExitCode(ExitCode.ok);
        return;
      }
      if (canonicalJson(result.picture) === canonicalJson(server.body)) {
        context.out(
          `EQUAL: the replayed picture (${result.events} events, up to position ${replayedAt}) equals ${server.url}\n`,
        );
        setExitCode(ExitCode.ok);
      } else {
        context.out(
          `DIFFERENT: the replayed picture (${result.events} events, up to position ${replayedAt}) differs from ${server.url}\n`,
        );
        for (const path of jsonDifferences(result.picture, server.body)) context.out(`  ${path}\n`);
        setExitCode(ExitCode.failed);
      }
    });
  },
};

async function fetchServerPicture(context: CliContext, options: ReplayOptions): Promise<ServerPicture> {
  const base = options.compare!.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base))
    throw new CliUsageError(`--compare must be an http(s) URL, got "${options.compare}"`);
  const url =
    options.operation === undefined ? `${base}/picture` : `${base}/operations/${options.operation}/picture`;
  const token = options.token ?? context.env.TIMELINE_TOKEN;
  const body = (await getJson(context, url, token)) as ServerPicture['body'];
  const me = (await getJson(context, `${base}/auth/me`, token)) as { agency?: unknown };
  if (typeof me.agency !== 'string')
    throw new Error(`${base}/auth/me named no agency: ${JSON.stringify(me)}`);
  if (options.operation !== undefined) return { body, url, agency: me.agency, operationIds: null };
  // The national picture sums the operations the agency takes part in: the replay sums the same.
  const listed = (await getJson(context, `${base}/operations`, token)) as {
    operations?: { operationId?: unknown }[];
  };
  const operationIds = new Set(
    (listed.operations ?? [])
      .map((operation) => operation.operationId)
      .filter((id): id is string => typeof id === 'string'),
  );
  return { body, url, agency: me.agency, operationIds };
}

async function getJson(context: CliContext, url: string, token: string | undefined): Promise<unknown> {
  let response: Response;
  try {
    response = await context.fetch(url, {
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliFailure(
      `cannot reach ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      ExitCode.unavailable,
    );
  }
  if (!response.ok) {
    const detail = (await response.text()).slice(0, 500);
    if (response.status === 401 || response.status === 403) {
      throw new CliUsageError(
        `${url} refused the credential (${response.status}): pass an auditor token with --token or $TIMELINE_TOKEN`,
      );
    }
    throw new CliFailure(
      `${url} answered ${response.status}: ${detail}`,
      response.status === 404 ? ExitCode.notFound : ExitCode.unavailable,
    );
  }
  return response.json();
}

function serverPosition(
  server: ServerPicture,
  parsePosition: (text: string) => GlobalPosition | null,
  positionOf: (commit: number) => GlobalPosition,
): GlobalPosition {
  const position = server.body.asOf?.position;
  if (position === null || position === undefined) return positionOf(0);
  const parsed = typeof position === 'string' ? parsePosition(position) : null;
  if (!parsed) throw new Error(`${server.url} gave no readable asOf.position: ${JSON.stringify(position)}`);
  return parsed;
}
