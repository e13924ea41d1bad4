import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import type {
  DatasetExpectation,
  DemoDataset,
  DemoVariant,
  HttpSeedWriter,
  SeedLoadReport,
  SeedWriter,
} from '@timeline/demo-data';
// The defaults `--help` shows, from the library's files that hold them: its index loads the whole write path.
import { DEFAULT_SEED, DEMO_VARIANTS } from '@timeline/demo-data/generator/demo-variants';
import { DEFAULT_BATCH_LIMITS } from '@timeline/demo-data/loading/submission-batches';
import type { EventStore, GlobalPosition } from '@timeline/event-store';
import type { SigningKey } from '@timeline/auth';
import { CliFailure, CliUsageError, ExitCode, type CliCommand, type CliContext } from '../cli-command';
import {
  positiveInteger,
  storeTargetOf,
  withStoreOptions,
  type StoreOptionValues,
} from '../support/store-options';

interface SeedOptions extends StoreOptionValues {
  readonly variant: DemoVariant;
  readonly seed: number;
  readonly scale: number;
  readonly operations?: number;
  readonly via?: string[];
  readonly key?: string;
  readonly expectedOut?: string;
  readonly check?: boolean;
  readonly concurrency?: number;
  readonly batch: number;
  readonly json?: boolean;
}

/**
 * `seed`: generates the demo operation (or the wide / deep benchmark variants)
 * and loads it — into the store through the application's write handler (the
 * operation's rules decide, the chain is sealed, and events keep their simulated
 * recording times), or over HTTP into a running api as each agency's recorder.
 * Loading the same seed twice writes nothing the second time.
 */
export const seedCommand: CliCommand = {
  name: 'seed',
  register(program, context, setExitCode) {
    withStoreOptions(
      program
        .command('seed')
        .description(
          'Load the demo operation (or the wide/deep benchmark variants) into the store, or over HTTP into a running api.',
        )
        .addOption(
          new Option(
            '--variant <variant>',
            'demo: one operation, ~10k events; wide: 100 × ~10k; deep: one operation, ~1M',
          )
            .choices([...DEMO_VARIANTS])
            .default('demo'),
        )
        .addOption(
          new Option('--seed <n>', 'generator seed: same seed, same data')
            .default(DEFAULT_SEED)
            .argParser(seedNumber),
        )
        .addOption(
          new Option('--scale <f>', 'shrink the variant (0 < f ≤ 1), e.g. 0.1 for a tenth')
            .default(1)
            .argParser(scaleNumber),
        )
        .addOption(
          new Option('--operations <n>', 'wide variant: number of operations (default 100)').argParser(
            positiveInteger('--operations', 1000),
          ),
        )
        .option(
          '--via <target...>',
          '"store" (default) or "http <url>" to post to a running api (e.g. --via http http://localhost:3000)',
        )
        .option(
          '--key <file>',
          "with --via http: private JWK to sign the recorders' tokens (default: the local development key under --data-dir)",
        )
        .option('--expected-out <file>', 'write the totals each picture must show (JSON)')
        .option(
          '--check',
          'after loading into the store, fold the log into the picture and compare it with the expected totals (exit 1 when they differ)',
        )
        .addOption(
          new Option('--concurrency <n>', 'submissions in flight').argParser(
            positiveInteger('--concurrency', 4096),
          ),
        )
        .addOption(
          new Option(
            '--batch <n>',
            "with --via http: most events per request (an agency's submissions gathered; the api's MAX_BATCH_EVENTS)",
          )
            .default(DEFAULT_BATCH_LIMITS.maxEvents)
            .argParser(positiveInteger('--batch', 1000)),
        )
        .option('--json', 'print the summary as JSON'),
    ).action(async (options: SeedOptions) => {
      const { DEFAULT_RECORDING_OPTIONS, RecordEventsHandler } = await import('../libraries/application');
      const { operationDecider } = await import('../libraries/domain');
      const {
        batchSubmissions,
        retriedEventIds,
        DemoDataset,
        LoadingClock,
        SeedHttpError,
        SeedLoadError,
        WriteHandlerSeedWriter,
        loadSubmissions,
      } = await import('../libraries/demo-data');
      const via = viaOf(options.via);
      const dataset = new DemoDataset({
        variant: options.variant,
        seed: options.seed,
        scale: options.scale,
        operations: options.operations,
      });
      if (options.operations !== undefined && options.variant !== 'wide') {
        throw new CliUsageError('--operations applies to --variant wide only');
      }
      if (options.check && via.kind === 'http')
        throw new CliUsageError(
          '--check compares the store; with --via http, compare with `replay --compare`',
        );

      const progress = context.progress(`seeding ${options.variant}`, null);
      const onProgress = ({ events }: { events: number }) => progress.update(events);
      let summary: SeedLoadReport;
      let differences: ReadonlyMap<string, number> = new Map();
      try {
        if (via.kind === 'http') {
          const writer = await httpWriter(via.url, options, context);
          // An agency's submissions are gathered into requests of up to --batch events: the demo's
          // ~8,000 submissions take ~1,000 requests, well within the per-principal rate limit.
          const retried = retriedEventIds(
            new DemoDataset({
              variant: options.variant,
              seed: options.seed,
              scale: options.scale,
              operations: options.operations,
            }),
          );
          summary = await loadSubmissions(
            batchSubmissions(dataset, retried, { ...DEFAULT_BATCH_LIMITS, maxEvents: options.batch }),
            writer,
            { maxInFlight: options.concurrency, onProgress, overlapOperations: true },
          );
        } else {
          const target = await storeTargetOf(options, context);
          const store = await context.openStore(target.eventStore);
          try {
            await refuseOtherData(store, dataset);
            const clock = new LoadingClock();
            const handler = new RecordEventsHandler(
              store,
              operationDecider,
              clock,
              DEFAULT_RECORDING_OPTIONS,
            );
            const writer: SeedWriter = new WriteHandlerSeedWriter(handler, clock);
            // The wide variant's operations are written side by side: each stream keeps its order and
            // every event its simulated recording time; the log interleaves them as the appends land.
            summary = await loadSubmissions(dataset, writer, {
              maxInFlight: options.concurrency,
              onProgress,
              overlapOperations: true,
            });
            if (options.check) differences = await checkPictures(store, dataset.expected());
          } finally {
            await store.close();
          }
        }
      } catch (error) {
        if (error instanceof SeedLoadError) {
          const cause = error.cause;
          const unavailable =
            error.category === 'unavailable' || (cause instanceof SeedHttpError && cause.status === null);
          throw new CliFailure(
            `seed failed: ${error.message}`,
            unavailable ? ExitCode.unavailable : ExitCode.failed,
          );
        }
        throw error;
      } finally {
        progress.stop();
      }

      const expected = dataset.expected();
      if (options.expectedOut !== undefined) {
        writeFileSync(resolve(context.cwd, options.expectedOut), `${JSON.stringify(expected, null, 2)}\n`);
      }
      const result = {
        variant: expected.variant,
        seed: expected.seed,
        scale: expected.scale,
        via: via.kind === 'http' ? via.url : 'store',
        loaded: summary,
        national: expected.national,
        operations: expected.operations.map((operation) => operation.operationId),
        check: options.check
          ? { ok: differences.size === 0, differences: Object.fromEntries(differences) }
          : undefined,
      };
      if (options.json) context.out(`${JSON.stringify(result, null, 2)}\n`);
      else context.out(describe(result.loaded, expected, result.via, options.check ? differences : null));
      setExitCode(differences.size === 0 ? ExitCode.ok : ExitCode.failed);
    });
  },
};

type Via = { readonly kind: 'store' } | { readonly kind: 'http'; readonly url: string };

function viaOf(values: readonly string[] | undefined): Via {
  if (values === undefined || (values.length === 1 && values[0] === 'store')) return { kind: 'store' };
  if (values[0] === 'http' && values.length === 2) {
    let url: URL;
    try {
      url = new URL(values[1]);
    } catch {
      throw new CliUsageError(`--via http: "${values[1]}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new CliUsageError('--via http: the URL must be http(s)');
    return { kind: 'http', url: url.toString().replace(/\/+$/, '') };
  }
  throw new CliUsageError('--via takes "store" or "http <url>"');
}

function seedNumber(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(seed) || seed > 0xffffffff) {
    throw new CliUsageError(`--seed "${value}" must be an integer from 0 to 4294967295`);
  }
  return seed;
}

function scaleNumber(value: string): number {
  const scale = Number(value);
  if (!(scale > 0 && scale <= 1))
    throw new CliUsageError(`--scale "${value}" must be a number above 0 and at most 1`);
  return scale;
}

/** Tokens of each agency's recorder, signed with the key the api trusts in local development (or a given one). */
async function httpWriter(url: string, options: SeedOptions, context: CliContext): Promise<HttpSeedWriter> {
  const { issueToken, localDevKeyPath, readSigningKey } = await import('../libraries/auth');
  const { HttpSeedWriter } = await import('../libraries/demo-data');
  let key: SigningKey;
  if (options.key !== undefined) {
    key = readSigningKey(resolve(context.cwd, options.key));
  } else {
    const target = await storeTargetOf({ dataDir: options.dataDir }, context);
    if (target.eventStore.kind !== 'sqlite')
      throw new CliUsageError('--via http needs --key or the local development key under --data-dir');
    // Never create a key here: a fresh key would not be the one the running api trusts.
    const file = localDevKeyPath(target.dataDir);
    if (!existsSync(file)) {
      throw new CliUsageError(
        `no local development key at ${file}: start the api with AUTH_MODE=local-dev and the same DATA_DIR first, or pass --key`,
      );
    }
    key = readSigningKey(file);
  }
  return new HttpSeedWriter(
    url,
    (agency, subject) =>
      issueToken(key, {
        subject,
        agency,
        roles: ['recorder'],
        ttlSeconds: 8 * 3600,
        issuedAt: Math.floor(context.now().getTime() / 1000),
      }),
    context.fetch,
    {
      maxRateLimitWaits: 30,
      onRateLimited: (seconds, agency) =>
        context.err(`the api limits ${agency}'s requests (429): waiting ${seconds} s as it asks\n`),
    },
  );
}

/** A seed into an operation that holds other events (another seed, real data) must not mix with them. */
async function refuseOtherData(store: EventStore, dataset: DemoDataset): Promise<void> {
  const { StreamNotFoundError } = await import('../libraries/event-store');
  const { operationStreamName } = await import('../libraries/events');
  for (const launch of dataset.launches()) {
    let existing;
    try {
      existing = await store.readStream(operationStreamName(launch.operationId), { maxCount: 1 });
    } catch (error) {
      if (error instanceof StreamNotFoundError) continue;
      throw error;
    }
    if (existing[0]?.eventId === launch.events[0].eventId) continue;
    throw new CliFailure(
      `operation ${launch.operationId} already holds other events than this seed's; seed into an empty store ` +
        '(or load the same --variant, --seed and --scale again, which writes nothing)',
      ExitCode.failed,
    );
  }
}

/** Folds the log into the picture and compares every operation with its expected totals. */
async function checkPictures(store: EventStore, expected: DatasetExpectation): Promise<Map<string, number>> {
  const { comparePicture } = await import('../libraries/demo-data');
  const { operationalPictureProjection, operationalPictureView, toStoredTimelineEvent } =
    await import('../libraries/projections');
  let state = operationalPictureProjection.initialState();
  let after: GlobalPosition | undefined;
  for (;;) {
    const page = await store.readAll({
      after,
      maxCount: 5_000,
      filter: { streamNamePrefixes: ['operation-'] },
    });
    for (const recorded of page)
      state = operationalPictureProjection.apply(state, toStoredTimelineEvent(recorded));
    if (page.length < 5_000) break;
    after = page[page.length - 1].position;
  }
  const differences = new Map<string, number>();
  for (const operation of expected.operations) {
    const view = operationalPictureView(state, operation.operationId);
    const found = view === null ? 1 : comparePicture(view, operation).length;
    if (found > 0) differences.set(operation.operationId, found);
  }
  return differences;
}

function describe(
  loaded: { submissions: number; events: number; replayed: number; seconds: number },
  expected: DatasetExpectation,
  via: string,
  differences: ReadonlyMap<string, number> | null,
): string {
  const n = expected.national;
  const pounds = (pence: number) => `£${Math.round(pence / 100).toLocaleString('en-GB')}`;
  const lines = [
    `Seeded ${expected.variant} (seed ${expected.seed}${expected.scale === 1 ? '' : `, scale ${expected.scale}`}) via ${via}: ` +
      `${loaded.events.toLocaleString('en-GB')} events written in ${loaded.submissions.toLocaleString('en-GB')} ${via === 'store' ? 'submissions' : 'requests'} ` +
      `(${loaded.replayed.toLocaleString('en-GB')} already stored, acknowledged without writing) in ${loaded.seconds} s`,
    `  operations: ${expected.operations
      .map((operation) => operation.operationId)
      .slice(0, 5)
      .join(', ')}${expected.operations.length > 5 ? `, … (${expected.operations.length})` : ''}`,
    `  the picture${n.operations > 1 ? ' (all operations)' : ''} should show: ${n.raids.toLocaleString('en-GB')} raids, ` +
      `${n.arrests.toLocaleString('en-GB')} arrests, ${n.charges.toLocaleString('en-GB')} charged, ` +
      `${n.intelligenceReceived.toLocaleString('en-GB')} intelligence reports, ${n.drugsKg.toLocaleString('en-GB')} kg of drugs, ` +
      `${n.firearms} firearms, ${n.rounds.toLocaleString('en-GB')} rounds, ${pounds(n.cashPence)} cash, ` +
      `${n.threatsToLifeMitigated} threats to life mitigated`,
  ];
  if (differences !== null) {
    lines.push(
      differences.size === 0
        ? '  check: the picture folded from the store equals the expected totals'
        : `  check: DIFFERENT in ${[...differences].map(([id, count]) => `${id} (${count} figures)`).join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
