import { DEFAULT_RECORDING_OPTIONS, RecordEventsHandler } from '@timeline/application';
import type { OperationDecider } from '@timeline/domain';
import type { EventStore } from '@timeline/event-store';
import { DEFAULT_SEED, DemoDataset } from '../generator/demo-dataset';
import type { SeedSubmission } from '../generator/seed-submission';
import { loadSubmissions, type SeedLoadReport } from '../loading/seed-loader';
import { LoadingClock, WriteHandlerSeedWriter } from '../loading/write-handler.seed-writer';

export type FirstRunOutcome =
  | { readonly loaded: true; readonly operationId: string; readonly report: SeedLoadReport }
  | { readonly loaded: false; readonly reason: 'store-not-empty' | 'stopped' };

export interface FirstRunOptions {
  /** Generator seed. Default DEFAULT_SEED (the published demo). */
  readonly seed?: number;
  /** Asked between submissions; true stops the load (e.g. the application is shutting down). */
  readonly shouldStop?: () => boolean;
}

/**
 * Loads the demo operation into a store that holds no event at all, through the
 * write path (the operation's rules, the sealed hash chain) with the demo's own
 * recording times, so time travel to "what did we know on 13 June 2020?" works on
 * first start. A store holding anything is left untouched.
 */
export async function loadDemoIntoEmptyStore(
  store: EventStore,
  decider: OperationDecider<unknown>,
  options: FirstRunOptions = {},
): Promise<FirstRunOutcome> {
  if ((await store.describe()).headPosition !== null) return { loaded: false, reason: 'store-not-empty' };
  const dataset = new DemoDataset({ seed: options.seed ?? DEFAULT_SEED });
  const clock = new LoadingClock();
  const handler = new RecordEventsHandler(store, decider, clock, DEFAULT_RECORDING_OPTIONS);
  const shouldStop = options.shouldStop ?? (() => false);
  let stopped = false;
  const untilStopped = function* (): Generator<SeedSubmission> {
    for (const submission of dataset) {
      if (shouldStop()) {
        stopped = true;
        return;
      }
      yield submission;
    }
  };
  const report = await loadSubmissions(untilStopped(), new WriteHandlerSeedWriter(handler, clock));
  if (stopped) return { loaded: false, reason: 'stopped' };
  return { loaded: true, operationId: dataset.profiles[0].operationId, report };
}
