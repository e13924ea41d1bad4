import {
  deepProfile,
  demoProfile,
  scaleProfile,
  wideProfiles,
  type OperationProfile,
} from '../profile/operation.profile';
import type { ExpectedPicture } from '../totals/expected-totals';
import { OperationGenerator } from './operation.generator';
import type { SeedSubmission } from './seed-submission';
import { DEFAULT_SEED, DEMO_VARIANTS, type DemoVariant } from './demo-variants';

export { DEFAULT_SEED, DEMO_VARIANTS, type DemoVariant } from './demo-variants';

export interface DemoDatasetOptions {
  /** Defaults to `'demo'`. */
  readonly variant?: DemoVariant;
  /** Any 32-bit unsigned integer; defaults to `DEFAULT_SEED`. Same seed, same bytes. */
  readonly seed?: number;
  /**
   * Multiplies the number of reports, raids, seizures and groups of every
   * operation (0 < scale ≤ 1), for quick runs and tests. Defaults to 1.
   */
  readonly scale?: number;
  /** Wide variant only: how many operations (default 100). */
  readonly operations?: number;
}

/** Sums over every operation of a dataset: what the national picture must show. */
export interface NationalTotals {
  readonly operations: number;
  readonly events: number;
  readonly submissions: number;
  readonly retriedSubmissions: number;
  readonly intelligenceReceived: number;
  readonly disseminations: number;
  readonly raids: number;
  readonly arrests: number;
  readonly charges: number;
  readonly seizures: number;
  readonly drugsKg: number;
  readonly firearms: number;
  readonly rounds: number;
  readonly cashPence: number;
  readonly threatsToLifeMitigated: number;
  readonly corrections: number;
  readonly retractions: number;
}

export interface DatasetExpectation {
  readonly variant: DemoVariant;
  readonly seed: number;
  readonly scale: number;
  readonly operations: readonly ExpectedPicture[];
  readonly national: NationalTotals;
}

/**
 * A generated dataset: the submissions of all its operations merged in recording
 * order (as a national system would receive them), and what the pictures must
 * show once they are loaded. Streaming: one day of each operation at a time.
 */
export class DemoDataset implements Iterable<SeedSubmission> {
  readonly variant: DemoVariant;
  readonly seed: number;
  readonly scale: number;
  readonly profiles: readonly OperationProfile[];
  private readonly generators: OperationGenerator[];

  constructor(options: DemoDatasetOptions = {}) {
    this.variant = options.variant ?? 'demo';
    this.seed = options.seed ?? DEFAULT_SEED;
    this.scale = options.scale ?? 1;
    if (!Number.isInteger(this.seed) || this.seed < 0 || this.seed > 0xffffffff) {
      throw new RangeError(`seed ${this.seed} must be an integer from 0 to 4294967295`);
    }
    if (!(this.scale > 0 && this.scale <= 1))
      throw new RangeError(`scale ${this.scale} must be above 0 and at most 1`);
    if (!DEMO_VARIANTS.includes(this.variant))
      throw new RangeError(`unknown variant ${String(this.variant)}`);
    const profiles =
      this.variant === 'demo'
        ? [demoProfile()]
        : this.variant === 'deep'
          ? [deepProfile()]
          : wideProfiles(options.operations ?? 100);
    this.profiles =
      this.scale === 1 ? profiles : profiles.map((profile) => scaleProfile(profile, this.scale));
    this.generators = this.profiles.map((profile) => new OperationGenerator(profile, this.seed));
  }

  *[Symbol.iterator](): Iterator<SeedSubmission> {
    if (this.generators.length === 1) {
      yield* this.generators[0];
      return;
    }
    // k-way merge by recording time; ties keep the operations' order.
    const heads = this.generators.map((generator) => generator[Symbol.iterator]());
    const current = heads.map((iterator) => iterator.next());
    for (;;) {
      let best = -1;
      for (let i = 0; i < current.length; i++) {
        const candidate = current[i];
        if (candidate.done) continue;
        if (
          best === -1 ||
          candidate.value.recordedAtMs < (current[best].value as SeedSubmission).recordedAtMs
        )
          best = i;
      }
      if (best === -1) return;
      yield current[best].value as SeedSubmission;
      current[best] = heads[best].next();
    }
  }

  /**
   * The first submission of each operation (its launch), from fresh generators:
   * tells whether a store already holds this very dataset without consuming it.
   */
  launches(): SeedSubmission[] {
    return this.profiles.map((profile) => {
      const first = new OperationGenerator(profile, this.seed)[Symbol.iterator]().next();
      if (first.done) throw new Error(`operation ${profile.operationId} generated nothing`);
      return first.value;
    });
  }

  /** Available once every submission has been consumed. */
  expected(): DatasetExpectation {
    const operations = this.generators.map((generator) => generator.expected());
    const sum = (pick: (picture: ExpectedPicture) => number): number =>
      operations.reduce((total, picture) => total + pick(picture), 0);
    return {
      variant: this.variant,
      seed: this.seed,
      scale: this.scale,
      operations,
      national: {
        operations: operations.length,
        events: sum((p) => p.events),
        submissions: sum((p) => p.submissions),
        retriedSubmissions: sum((p) => p.retriedSubmissions),
        intelligenceReceived: sum((p) => p.intelligence.received),
        disseminations: sum((p) => p.disseminations),
        raids: sum((p) => p.raids),
        arrests: sum((p) => p.arrests),
        charges: sum((p) => p.charges),
        seizures: sum((p) => p.seizures),
        drugsKg: Math.round(sum((p) => p.drugs.totalKg) * 1000) / 1000,
        firearms: sum((p) => p.firearms.total),
        rounds: sum((p) => p.firearms.rounds),
        cashPence: sum((p) => p.cashPence),
        threatsToLifeMitigated: sum((p) => p.threatsToLifeMitigated),
        corrections: sum((p) => p.corrections),
        retractions: sum((p) => p.retractions),
      },
    };
  }
}
