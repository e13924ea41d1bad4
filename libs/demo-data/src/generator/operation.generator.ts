import type { JsonObject } from '@timeline/kernel';
import {
  CASH_SEIZURE_POWERS,
  DRUG_TYPES_TABLE,
  OCG_ACTIVITIES,
  UK_AGENCIES,
  type Offence,
  type UkAgencyCode,
} from '../contract';
import type { OperationProfile } from '../profile/operation.profile';
import { CODENAME_NOUNS, CODENAME_WORDS, FORCE_WEIGHT, POSTCODE_AREAS_BY_FORCE } from '../profile/uk-places';
import {
  BalancedSampler,
  categoricalQuantile,
  truncatedLogNormalQuantile,
  type TruncatedLogNormal,
} from '../random/balanced-sampler';
import {
  CHARGE_RATE,
  MIX,
  ROUNDS_WITH_FIREARMS_RATE,
  OFFENCES_AT_ARREST,
  THREAT_TO_LIFE_RATE,
  type SeizureKind,
  type Weighted,
} from './demo.distributions';
import { SeededRandom, hashString } from '../random/seeded-random';
import { DAY_MS, allocateByWeight, daysBetween } from '../schedule/daily-allocation';
import { RecordingQueue } from '../schedule/recording-queue';
import { ExpectedTotals, type ExpectedPicture } from '../totals/expected-totals';
import { principalSubject, type SeedEvent, type SeedSubmission } from './seed-submission';
import * as build from './event-data.builders';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Raids may cite intelligence received up to this many days before. */
const INTELLIGENCE_WINDOW_DAYS = 30;
const RECENT_REPORTS_KEPT = 200;

type Classification = SeedEvent['classification'];

/** A recent intelligence report a raid may cite. */
interface ReportOnFile {
  readonly reportRef: string;
  readonly recordedAtMs: number;
  readonly day: number;
  readonly subjects: readonly string[];
}

interface OcgOnFile {
  readonly ocgId: string;
  readonly band: string;
  readonly recordedAtMs: number;
}

/** An event decided but not yet placed in a submission. */
interface DraftEvent {
  readonly type: string;
  readonly eventId: string;
  readonly occurredAtMs: number;
  readonly data: JsonObject;
  readonly classification: Classification;
  readonly causationId?: string;
}

/**
 * Generates one operation as the ordered submissions of its recording clients,
 * streaming: it works through business time one day at a time and parks what is
 * recorded later (late reports, charges, corrections, retractions, client
 * retries) in a queue ordered by recording time, so memory is bounded by the
 * recording lag and the intelligence window, not by the size of the operation.
 *
 * Every submission is recorded after everything it refers to (the raid before
 * its arrests' charges, a report before its disseminations, an agency's joining
 * before its first record), so loading the submissions in order satisfies the
 * operation's rules. The expected picture is accumulated as the final data of
 * each event is decided (corrections applied, retracted entries left out).
 */
/** A charge brought, for its court outcome. */
interface ChargeOnFile {
  readonly arrestId: string;
  readonly force: string;
  readonly chargeEventId: string;
  readonly decidedMs: number;
  readonly recordedMs: number;
}

/** The share of charges whose court outcome the demo records (the rest are still before the courts). */
const OUTCOME_RATE = 0.7;

export class OperationGenerator implements Iterable<SeedSubmission> {
  private readonly totals: ExpectedTotals;
  private readonly queue = new RecordingQueue<SeedSubmission>();
  private readonly random: {
    readonly structure: SeededRandom;
    readonly timing: SeededRandom;
    readonly intelligence: SeededRandom;
    readonly raids: SeededRandom;
    readonly seizures: SeededRandom;
    readonly amendments: SeededRandom;
    readonly ids: SeededRandom;
  };
  /**
   * Court outcomes come last, from a stream of their own forked after every
   * other: adding them left every earlier event, id and figure of the data as it was.
   */
  private readonly outcomeRandom: SeededRandom;
  private readonly charged: ChargeOnFile[] = [];
  private readonly sample;
  private readonly startMs: number;
  private readonly days: number;
  private readonly turningPointDay: number;
  private readonly joinedAtMs = new Map<string, number>();
  private readonly joinDay = new Map<string, number>();
  private readonly ocgs: OcgOnFile[] = [];
  /** Recent reports by the force they were sent to ('' = every recent report), oldest first. */
  private readonly recentReports = new Map<string, ReportOnFile[]>();
  /** Cumulative targeting weight of `ocgs`, for a binary-searched weighted pick. */
  private readonly ocgWeights: number[] = [];
  private readonly sequences = new Map<string, number>();
  private consumed = false;
  private finished = false;

  constructor(
    private readonly profile: OperationProfile,
    readonly seed: number,
  ) {
    // The sizes are part of the identity: a scaled-down variant is other data, with other ids.
    const identity = [
      profile.operationId,
      profile.ocgs,
      profile.intelligenceReports,
      profile.raids,
      profile.seizuresWithoutRaid,
    ];
    const root = new SeededRandom((hashString(identity.join('|')) ^ (seed >>> 0)) >>> 0);
    this.random = {
      structure: root.fork('structure'),
      timing: root.fork('timing'),
      intelligence: root.fork('intelligence'),
      raids: root.fork('raids'),
      seizures: root.fork('seizures'),
      amendments: root.fork('amendments'),
      ids: root.fork('ids'),
    };
    this.sample = this.samplers(root.fork('samplers'));
    this.outcomeRandom = root.fork('outcomes');
    this.totals = new ExpectedTotals(profile.operationId);
    this.startMs = Date.parse(`${profile.startDate}T00:00:00Z`);
    this.days = daysBetween(profile.startDate, profile.endDate) + 1;
    this.turningPointDay = daysBetween(profile.startDate, profile.turningPointDate);
    if (!(this.days > 0) || this.turningPointDay < 0 || this.turningPointDay >= this.days) {
      throw new RangeError(`profile ${profile.operationId}: the turning point must fall within the period`);
    }
  }

  get operationId(): string {
    return this.profile.operationId;
  }

  /** The picture the loaded submissions must produce; available once the submissions have been consumed. */
  expected(): ExpectedPicture {
    if (!this.finished) throw new Error('expected(): consume every submission first');
    return this.totals.snapshot();
  }

  [Symbol.iterator](): Iterator<SeedSubmission> {
    if (this.consumed) throw new Error('an OperationGenerator yields its submissions once; create another');
    this.consumed = true;
    return this.generate();
  }

  private *generate(): Generator<SeedSubmission> {
    this.foundOperation();
    const intelligencePerDay = allocateByWeight(
      this.profile.intelligenceReports,
      this.dailyWeights('intelligence'),
    );
    const raidsPerDay = allocateByWeight(this.profile.raids, this.dailyWeights('raids'));
    const streetSeizuresPerDay = allocateByWeight(
      this.profile.seizuresWithoutRaid,
      this.dailyWeights('raids'),
    );
    const ocgsPerDay = allocateByWeight(this.profile.ocgs, this.dailyWeights('ocgs'));
    for (let day = 0; day < this.days; day++) {
      const dayStartMs = this.startMs + day * DAY_MS;
      yield* this.release(dayStartMs);
      this.forgetOldReports(day);
      for (let i = 0; i < ocgsPerDay[day]; i++) this.identifyOcg(day, dayStartMs);
      for (let i = 0; i < intelligencePerDay[day]; i++) this.receiveIntelligence(day, dayStartMs);
      for (let i = 0; i < raidsPerDay[day]; i++) this.conductRaid(day, dayStartMs);
      for (let i = 0; i < streetSeizuresPerDay[day]; i++) this.seizeWithoutRaid(day, dayStartMs);
    }
    this.decideInCourt();
    yield* this.release(Number.POSITIVE_INFINITY);
    this.finished = true;
  }

  private *release(beforeMs: number): Generator<SeedSubmission> {
    for (let next = this.queue.popBefore(beforeMs); next; next = this.queue.popBefore(beforeMs)) yield next;
  }

  // ---- shape of the operation over time -------------------------------------------------------

  private dailyWeights(series: 'intelligence' | 'raids' | 'ocgs'): number[] {
    const { rampDays, intelligenceHalfLifeDays, raidSurgeHalfLifeDays } = this.profile;
    return Array.from({ length: this.days }, (_, day) => {
      const weekday = new Date(this.startMs + day * DAY_MS).getUTCDay();
      const weekend = weekday === 0 || weekday === 6 ? 0.6 : 1;
      const sinceTurn = day - this.turningPointDay;
      if (series === 'ocgs') {
        // Groups are mapped early, as the first intelligence is read; a trickle follows.
        return day < rampDays ? 1 : 0.08;
      }
      if (series === 'intelligence') {
        const ramp = day < rampDays ? 0.15 + (0.85 * day) / rampDays : 1;
        const fall = sinceTurn >= 0 ? Math.pow(0.5, sinceTurn / intelligenceHalfLifeDays) : 1;
        return weekend * ramp * fall;
      }
      // Raids follow the intelligence after a lag, then surge once the platform warned its users.
      const build = day < 7 ? 0 : Math.min(1, 0.3 + (0.3 * (day - 7)) / rampDays);
      const surge = sinceTurn >= 0 ? 0.6 + 2.4 * Math.pow(0.5, sinceTurn / raidSurgeHalfLifeDays) : 0;
      return weekend * Math.max(build, surge);
    });
  }

  // ---- the founding events ----------------------------------------------------------------------

  private foundOperation(): void {
    const lead = this.profile.leadAgency;
    const launchedMs = this.startMs + 8 * HOUR_MS;
    const launch = this.draft(
      'OperationLaunched',
      launchedMs,
      'OFFICIAL',
      build.operationLaunched(this.profile, launchedMs),
    );
    this.submit(lead, launchedMs + 10 * MINUTE_MS, [launch], { retryable: false });
    this.joinedAtMs.set(lead, launchedMs + 10 * MINUTE_MS);
    this.joinDay.set(lead, 0);

    const crackedMs = this.startMs + 6 * HOUR_MS;
    const cracked = this.draft(
      'EncryptionCracked',
      crackedMs,
      'OFFICIAL-SENSITIVE',
      build.encryptionCracked(),
    );
    this.submit(lead, launchedMs + 3 * HOUR_MS, [cracked]);

    const timing = this.random.timing;
    const joiners = [
      ...this.profile.rocus.map((agency) => ({ agency, day: timing.int(0, 2) })),
      ...this.profile.forces.map((agency, index) => ({
        agency,
        day: index < 5 ? timing.int(0, 3) : timing.int(2, 13),
      })),
    ];
    for (const { agency, day } of joiners) {
      const occurredMs = this.startMs + day * DAY_MS + timing.int(9 * 60, 17 * 60) * MINUTE_MS;
      const recordedMs = Math.max(occurredMs + timing.int(5, 90) * MINUTE_MS, launchedMs + 11 * MINUTE_MS);
      const localName = `Operation ${this.random.structure.pick(CODENAME_WORDS)}`;
      const region = UK_AGENCIES[agency as UkAgencyCode].region;
      const joined = this.draft(
        'AgencyJoined',
        occurredMs,
        'OFFICIAL',
        build.agencyJoined(agency, region, localName),
      );
      this.submit(build.JOIN_RECORDED_BY_JOINER ? agency : lead, recordedMs, [joined], { retryable: false });
      this.joinedAtMs.set(agency, recordedMs);
      this.joinDay.set(agency, day);
    }
  }

  // ---- organised crime groups -------------------------------------------------------------------

  private identifyOcg(day: number, dayStartMs: number): void {
    const random = this.random.structure;
    const number = this.nextSequence('OCG');
    const band = this.sample.ocgBand.next();
    const analysts = [this.profile.leadAgency, ...this.profile.rocus];
    const agency = this.joinedBy(random.pick(analysts), day) ?? this.profile.leadAgency;
    const occurredMs = dayStartMs + random.int(8 * 60, 19 * 60) * MINUTE_MS;
    const data = build.ocgIdentified({
      ocgId: `OCG-${pad(number, 5)}`,
      codename: `${random.pick(CODENAME_WORDS)} ${random.pick(CODENAME_NOUNS)}`.toUpperCase(),
      leadForce: random.pick(this.profile.forces),
      band,
      threatScore:
        band === 'high' ? random.int(70, 100) : band === 'medium' ? random.int(40, 69) : random.int(5, 39),
      activities: random.sample(OCG_ACTIVITIES, random.int(1, 3)).sort(),
    });
    const event = this.draft('OrganisedCrimeGroupIdentified', occurredMs, 'OFFICIAL-SENSITIVE', data);
    const recordedMs = this.after(occurredMs + this.recordingLagMs(), this.joinedAtMs.get(agency));
    this.submit(agency, recordedMs, [event]);
    this.ocgs.push({ ocgId: String(data.ocgId), band, recordedAtMs: recordedMs });
    // High-band groups draw more enforcement.
    const weight = band === 'high' ? 4 : band === 'medium' ? 2 : 1;
    this.ocgWeights.push((this.ocgWeights.at(-1) ?? 0) + weight);
  }

  // ---- intelligence -----------------------------------------------------------------------------

  private receiveIntelligence(day: number, dayStartMs: number): void {
    const random = this.random.intelligence;
    const sample = this.sample;
    // Most reports are the platform's messages passed on by the lead; ROCUs grade their own too.
    const agency =
      random.chance(0.8) || this.profile.rocus.length === 0
        ? this.profile.leadAgency
        : (this.joinedBy(random.pick(this.profile.rocus), day) ?? this.profile.leadAgency);
    const number = this.nextSequence(`IR-${agency}`);
    const year = new Date(dayStartMs).getUTCFullYear();
    const threatToLife = sample.threatToLife.next();
    const handling = sample.handling.next();
    const region = UK_AGENCIES[random.pick(this.profile.forces) as UkAgencyCode].region;
    const subjects = Array.from({ length: random.int(1, 3) }, () => `SUBJ-${random.hex(4).toUpperCase()}`);
    const grading = {
      source: sample.source.next(),
      intelligence: sample.intelligenceGrade.next(),
      handling,
      conditions: handling === 'C' ? random.pick(HANDLING_CONDITIONS) : undefined,
    };
    const fields: build.IntelligenceFields = {
      reportRef: `${agency}-IR-${year}-${pad(number, 6)}`,
      fromAgency: agency,
      grading,
      priority: threatToLife ? 'HIGH' : sample.routinePriority.next(),
      threatToLife,
      subjects,
      region,
    };
    const data = build.intelligenceReceived(fields);
    const occurredMs = dayStartMs + random.int(6 * 60, 22 * 60) * MINUTE_MS;
    const report = this.draft('IntelligenceReceived', occurredMs, 'OFFICIAL-SENSITIVE', data);
    const recordedMs = this.after(occurredMs + this.recordingLagMs(), this.joinedAtMs.get(agency));

    const corrected = this.maybeCorrect(report, agency, recordedMs, () =>
      build.intelligenceReceived({
        ...fields,
        grading: { ...grading, source: sample.source.next(), intelligence: sample.intelligenceGrade.next() },
      }),
    );
    this.submit(agency, recordedMs, [report], { finalData: [corrected] });
    this.maybeEnterTwice(report, agency, recordedMs, () =>
      build.intelligenceReceived({
        ...fields,
        reportRef: `${agency}-IR-${year}-${pad(this.nextSequence(`IR-${agency}`), 6)}`,
      }),
    );

    // Dissemination to the forces that will act on it, each recorded by the originator.
    const joinedForces = this.profile.forces.filter((force) => (this.joinDay.get(force) ?? Infinity) <= day);
    const recipients = random.sample(joinedForces, sample.disseminations.next());
    for (const force of recipients) {
      const sentMs = occurredMs + random.int(30, 48 * 60) * MINUTE_MS;
      const dissemination = this.draft(
        'IntelligenceDisseminated',
        sentMs,
        'OFFICIAL-SENSITIVE',
        build.intelligenceDisseminated(fields.reportRef, force, handling === 'C'),
        report.eventId,
      );
      this.submit(
        agency,
        this.after(sentMs + this.recordingLagMs(), recordedMs, this.joinedAtMs.get(force)),
        [dissemination],
      );
    }

    if (threatToLife) {
      const actions = random.chance(0.1) ? 2 : 1;
      for (let i = 0; i < actions; i++) {
        const actor = recipients.length > 0 ? random.pick(recipients) : this.profile.leadAgency;
        const actedMs = occurredMs + random.int(2 * 60, 36 * 60) * MINUTE_MS;
        const mitigation = this.draft(
          'ThreatToLifeMitigated',
          actedMs,
          'OFFICIAL-SENSITIVE',
          build.threatToLifeMitigated({
            ttlId: `TTL-${pad(this.nextSequence('TTL'), 6)}`,
            action: this.sample.ttlAction.next(),
            force: actor,
            reportRef: fields.reportRef,
          }),
          report.eventId,
        );
        this.submit(
          actor,
          this.after(actedMs + this.recordingLagMs(), recordedMs, this.joinedAtMs.get(actor)),
          [mitigation],
        );
      }
    }

    const onFile: ReportOnFile = {
      reportRef: fields.reportRef,
      recordedAtMs: recordedMs,
      day,
      subjects,
    };
    for (const key of ['', ...recipients]) {
      let list = this.recentReports.get(key);
      if (!list) this.recentReports.set(key, (list = []));
      list.push(onFile);
      // A raid cites one of the last few hundred reports it could know of; older ones are forgotten.
      if (list.length > RECENT_REPORTS_KEPT * 2) list.splice(0, list.length - RECENT_REPORTS_KEPT);
    }
  }

  private forgetOldReports(day: number): void {
    for (const list of this.recentReports.values()) {
      let drop = 0;
      while (drop < list.length && list[drop].day < day - INTELLIGENCE_WINDOW_DAYS) drop++;
      if (drop > 0) list.splice(0, drop);
    }
  }

  // ---- raids, arrests, seizures, charges --------------------------------------------------------

  private conductRaid(day: number, dayStartMs: number): void {
    const random = this.random.raids;
    const force = this.pickForce(day, random);
    if (force === undefined) return;
    const number = this.nextSequence(`R-${force}`);
    const raidId = `${force}-R-${pad(number, 6)}`;
    // Dawn raids mostly; the rest through the day.
    const startMs =
      dayStartMs +
      (random.chance(0.75) ? random.int(4 * 60, 7 * 60) : random.int(8 * 60, 21 * 60)) * MINUTE_MS;
    const endMs = startMs + random.int(45, 6 * 60) * MINUTE_MS;
    const cited = this.citeIntelligence(force, random);
    const ocg = this.ocgs.length > 0 && random.chance(0.7) ? this.pickOcg(random) : undefined;
    const postcodeDistrict = this.postcodeDistrict(force, random);
    const raidFields: build.RaidFields = {
      raidId,
      force,
      postcodeDistrict,
      legalPower: this.sample.legalPower.next(),
      startedAt: iso(startMs),
      endedAt: iso(endMs),
      officers: random.int(4, 40),
      ocgId: ocg?.ocgId,
      intelligenceRefs: cited.map((report) => report.reportRef),
    };
    const raid = this.draft('RaidConducted', startMs, 'OFFICIAL', build.raidConducted(raidFields));
    const recordedMs = this.after(
      endMs + this.recordingLagMs(),
      this.joinedAtMs.get(force),
      ocg?.recordedAtMs,
      ...cited.map((report) => report.recordedAtMs),
    );
    const raidFinal = this.maybeCorrect(raid, force, recordedMs, () =>
      build.raidConducted({
        ...raidFields,
        endedAt: iso(endMs + random.int(10, 90) * MINUTE_MS),
        officers: random.int(4, 40),
      }),
    );

    const events: DraftEvent[] = [raid];
    const finals: (JsonObject | undefined)[] = [raidFinal];
    const known = cited.flatMap((report) => report.subjects);
    const arrests = this.sample.arrestsPerRaid.next();
    const charges: { arrest: DraftEvent; arrestId: string; offences: readonly Offence[] }[] = [];
    for (let i = 0; i < arrests; i++) {
      const arrestId = `${force}-A-${pad(this.nextSequence(`A-${force}`), 6)}`;
      const offences = random.sample(OFFENCES_AT_ARREST, random.int(1, 2)).sort();
      const arrestFields: build.ArrestFields = {
        arrestId,
        subjectId: i < known.length ? known[i] : `SUBJ-${random.hex(4).toUpperCase()}`,
        suspectedOffences: offences,
        raidId,
        force,
        postcodeDistrict,
      };
      const arrest = this.draft(
        'ArrestMade',
        startMs + random.int(5, 40) * MINUTE_MS,
        'OFFICIAL',
        build.arrestMade(arrestFields),
      );
      events.push(arrest);
      finals.push(
        this.maybeCorrect(arrest, force, recordedMs, () =>
          build.arrestMade({
            ...arrestFields,
            suspectedOffences: random.sample(OFFENCES_AT_ARREST, 2).sort(),
          }),
        ),
      );
      if (random.chance(CHARGE_RATE)) charges.push({ arrest, arrestId, offences });
    }
    const seizures = this.sample.seizuresPerRaid.next();
    for (let i = 0; i < seizures; i++) {
      const { event, final } = this.seizure(force, raidId, postcodeDistrict, startMs, endMs, recordedMs);
      events.push(event);
      finals.push(final);
    }
    this.submit(force, recordedMs, events, { finalData: finals });

    for (const { arrest, arrestId, offences } of charges) {
      const decidedMs = arrest.occurredAtMs + random.int(20 * 60, 21 * 24 * 60) * MINUTE_MS;
      const charge = this.draft(
        'ChargeBrought',
        decidedMs,
        'OFFICIAL',
        build.chargeBrought({
          arrestId,
          offences,
          decidedBy: random.chance(0.85) ? 'cps' : 'police',
          remandedInCustody: random.chance(0.6),
        }),
        arrest.eventId,
      );
      const chargeRecordedMs = this.after(decidedMs + this.recordingLagMs(), recordedMs);
      this.submit(force, chargeRecordedMs, [charge]);
      this.charged.push({
        arrestId,
        force,
        chargeEventId: charge.eventId,
        decidedMs,
        recordedMs: chargeRecordedMs,
      });
    }
  }

  /**
   * The court outcome of some charges, months after them (cases still before the
   * courts have none): mostly convictions, most of them custodial.
   */
  private decideInCourt(): void {
    const random = this.outcomeRandom;
    for (const charge of this.charged) {
      if (!random.chance(OUTCOME_RATE)) continue;
      const decidedMs =
        charge.decidedMs + random.int(90, 540) * DAY_MS + random.int(9 * 60, 17 * 60) * MINUTE_MS;
      const u = random.next();
      const data: JsonObject =
        u < 0.78
          ? random.chance(0.8)
            ? {
                arrestId: charge.arrestId,
                outcome: 'convicted',
                sentence: 'custodial',
                custodialMonths: random.int(6, 240),
              }
            : { arrestId: charge.arrestId, outcome: 'convicted', sentence: 'non-custodial' }
          : u < 0.9
            ? { arrestId: charge.arrestId, outcome: 'acquitted' }
            : { arrestId: charge.arrestId, outcome: 'discontinued' };
      const outcome: DraftEvent = {
        type: 'ChargeOutcomeRecorded',
        eventId: random.uuidV7(decidedMs),
        occurredAtMs: decidedMs,
        data,
        classification: 'OFFICIAL',
        causationId: charge.chargeEventId,
      };
      // Recorded when decided, as charges are.
      const recordedMs = this.after(decidedMs + random.int(30, 8 * 60) * MINUTE_MS, charge.recordedMs);
      this.submit(charge.force, recordedMs, [outcome], { retryable: false });
    }
  }

  private seizeWithoutRaid(day: number, dayStartMs: number): void {
    const random = this.random.seizures;
    const force = this.pickForce(day, random);
    if (force === undefined) return;
    const atMs = dayStartMs + random.int(0, 24 * 60 - 1) * MINUTE_MS;
    const recordedMs = this.after(atMs + this.recordingLagMs(), this.joinedAtMs.get(force));
    const { event, final, fields } = this.seizure(
      force,
      undefined,
      this.postcodeDistrict(force, random),
      atMs,
      atMs,
      recordedMs,
    );
    this.submit(force, recordedMs, [event], { finalData: [final] });
    this.maybeEnterTwice(event, force, recordedMs, () =>
      build.seizureRecorded({
        ...fields,
        seizureId: `${force}-S-${pad(this.nextSequence(`S-${force}`), 6)}`,
      }),
    );
  }

  private seizure(
    force: string,
    raidId: string | undefined,
    postcodeDistrict: string,
    fromMs: number,
    toMs: number,
    recordedMs: number,
  ): { event: DraftEvent; final: JsonObject | undefined; fields: build.SeizureFields } {
    const random = this.random.seizures;
    const seizureId = `${force}-S-${pad(this.nextSequence(`S-${force}`), 6)}`;
    const kind = this.sample.seizureKind.next();
    const lines = [this.seizureLine(kind)];
    // Phones and handsets are usually taken beside drugs.
    if (kind === 'drugs' && random.chance(0.1)) lines.push(this.seizureLine('other'));
    const fields: build.SeizureFields = { seizureId, raidId, seizedBy: force, postcodeDistrict, lines };
    const event = this.draft(
      'SeizureRecorded',
      random.int(fromMs, toMs),
      'OFFICIAL',
      build.seizureRecorded(fields),
    );
    const final = this.maybeCorrect(event, force, recordedMs, () =>
      build.seizureRecorded({ ...fields, lines: lines.map((line) => build.reexamined(line, random)) }),
    );
    return { event, final, fields };
  }

  private seizureLine(kind: SeizureKind): build.SeizureLine {
    const random = this.random.seizures;
    const sample = this.sample;
    switch (kind) {
      case 'drugs': {
        const drugType = sample.drugType.next();
        const units = DRUG_TYPES_TABLE[drugType].units as readonly string[];
        const unit = drugType === 'cannabis' && random.chance(0.35) ? 'plants' : units[0];
        const quantity =
          unit === 'kg'
            ? Math.max(0.001, Math.round(sample.drugKg.next() * 1000) / 1000)
            : unit === 'plants'
              ? Math.round(sample.cannabisPlants.next())
              : Math.round(sample.drugDoses.next());
        const tested = random.chance(0.3);
        return build.drugLine({
          drugType,
          quantity,
          unit,
          testStatus: tested ? (random.chance(0.7) ? 'presumptive' : 'laboratory') : 'untested',
          percent: random.int(8, 92),
        });
      }
      case 'cash':
        return build.cashLine(Math.round(sample.cashPounds.next() * 100), random.pick(CASH_SEIZURE_POWERS));
      case 'firearms': {
        const count = sample.firearmsPerSeizure.next();
        const rounds = sample.withRounds.next() ? Math.round(sample.rounds.next()) : 0;
        return build.firearmLine(
          sample.firearmCategory.next(),
          count,
          count === 0 ? Math.max(1, rounds) : rounds,
        );
      }
      case 'other':
        return build.otherLine(sample.otherProperty.next(), random);
    }
  }

  private citeIntelligence(force: string, random: SeededRandom): ReportOnFile[] {
    const sentToForce = this.recentReports.get(force) ?? [];
    const pool = sentToForce.length > 0 ? sentToForce : (this.recentReports.get('') ?? []);
    if (pool.length === 0) return [];
    const count = random.int(0, 2);
    const cited = new Set<ReportOnFile>();
    for (let i = 0; i < count; i++)
      cited.add(pool[random.int(Math.max(0, pool.length - RECENT_REPORTS_KEPT), pool.length - 1)]);
    return [...cited];
  }

  private pickOcg(random: SeededRandom): OcgOnFile {
    const target = random.next() * this.ocgWeights[this.ocgWeights.length - 1];
    let low = 0;
    let high = this.ocgWeights.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.ocgWeights[middle] > target) high = middle;
      else low = middle + 1;
    }
    return this.ocgs[low];
  }

  private pickForce(day: number, random: SeededRandom): string | undefined {
    const joined = this.profile.forces.filter((force) => (this.joinDay.get(force) ?? Infinity) <= day);
    if (joined.length === 0) return undefined;
    return random.weighted(joined.map((force) => [force, FORCE_WEIGHT[force] ?? 1] as const));
  }

  private postcodeDistrict(force: string, random: SeededRandom): string {
    const areas = POSTCODE_AREAS_BY_FORCE[force] ?? ['ZZ'];
    const area = random.pick(areas);
    return `${area}${random.int(1, area.length === 1 ? 40 : 30)}`;
  }

  private joinedBy(agency: string, day: number): string | undefined {
    return (this.joinDay.get(agency) ?? Infinity) <= day ? agency : undefined;
  }

  // ---- amendments: corrections, retractions, retries ----------------------------------------------

  /**
   * Decides whether an event will later be corrected; if so schedules the
   * correction and returns the data that stands after it.
   */
  private maybeCorrect(
    target: DraftEvent,
    agency: string,
    targetRecordedMs: number,
    replacement: () => JsonObject,
  ): JsonObject | undefined {
    if (!this.sample.corrected.next()) return undefined;
    const data = replacement();
    const random = this.random.amendments;
    const correctedMs = targetRecordedMs + random.int(6 * 60, 14 * 24 * 60) * MINUTE_MS;
    const correction = this.draft(
      'EventCorrected',
      correctedMs,
      target.classification,
      build.eventCorrected(target.eventId, target.type, data, random.pick(CORRECTION_REASONS)),
      target.eventId,
    );
    this.submit(agency, correctedMs + random.int(1, 30) * MINUTE_MS, [correction], { retryable: false });
    return data;
  }

  /**
   * Sometimes a record is keyed in twice under a new reference; the second entry
   * is retracted days later. The duplicate is stored but never counts.
   */
  private maybeEnterTwice(
    original: DraftEvent,
    agency: string,
    originalRecordedMs: number,
    copy: () => JsonObject,
  ): void {
    if (!this.sample.enteredTwice.next()) return;
    const random = this.random.amendments;
    const data = copy();
    const twiceMs = originalRecordedMs + random.int(5, 120) * MINUTE_MS;
    const duplicate = this.draft(original.type, original.occurredAtMs, original.classification, data);
    this.submit(agency, twiceMs, [duplicate], { finalData: [null] });
    const retractedMs = twiceMs + random.int(12 * 60, 10 * 24 * 60) * MINUTE_MS;
    const retraction = this.draft(
      'EventRetracted',
      retractedMs,
      original.classification,
      build.eventRetracted(duplicate.eventId, random.chance(0.75) ? 'duplicate' : 'entered-in-error'),
      duplicate.eventId,
    );
    this.submit(agency, retractedMs + random.int(1, 30) * MINUTE_MS, [retraction], { retryable: false });
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private draft(
    type: string,
    occurredAtMs: number,
    classification: Classification,
    data: JsonObject,
    causationId?: string,
  ): DraftEvent {
    return {
      type,
      eventId: this.random.ids.uuidV7(occurredAtMs),
      occurredAtMs,
      data,
      classification,
      causationId,
    };
  }

  /**
   * Schedules a submission, counts its events and adds each one's final data to
   * the expected picture (`finalData[i]`: undefined = as drafted, null = retracted
   * later so it counts for nothing, an object = the data after its correction).
   */
  private submit(
    agency: string,
    recordedAtMs: number,
    drafts: readonly DraftEvent[],
    options: {
      readonly retryable?: boolean;
      readonly finalData?: readonly (JsonObject | null | undefined)[];
    } = {},
  ): void {
    const correlationId = this.random.ids.uuidV7(recordedAtMs);
    const events = drafts.map((draft): SeedEvent => {
      const event: SeedEvent = {
        type: draft.type,
        eventId: draft.eventId,
        occurredAt: iso(draft.occurredAtMs),
        data: draft.data,
        correlationId,
        classification: draft.classification,
      };
      return draft.causationId === undefined ? event : { ...event, causationId: draft.causationId };
    });
    const submission: SeedSubmission = {
      operationId: this.profile.operationId,
      agency,
      subject: principalSubject(agency),
      recordedAt: iso(recordedAtMs),
      recordedAtMs,
      retry: false,
      events,
    };
    this.queue.push(submission);
    this.totals.submitted(false);
    drafts.forEach((draft, index) => {
      this.totals.count(draft.type);
      const final = options.finalData?.[index];
      if (final !== null) this.totals.contribute(draft.type, final ?? draft.data, agency);
    });
    if (options.retryable !== false && this.sample.retried.next()) {
      const retryMs = recordedAtMs + this.random.amendments.int(20, 300) * 1000;
      this.queue.push({ ...submission, recordedAt: iso(retryMs), recordedAtMs: retryMs, retry: true });
      this.totals.submitted(true);
    }
  }

  /** Recorded no earlier than `candidateMs` and strictly after every dependency. */
  private after(candidateMs: number, ...dependencies: (number | undefined)[]): number {
    let at = candidateMs;
    for (const dependency of dependencies)
      if (dependency !== undefined && dependency + 1000 > at) at = dependency + 1000;
    return at;
  }

  /** Most records are keyed within hours; some wait days; about 1 % over a week. */
  private recordingLagMs(): number {
    const random = this.random.timing;
    const u = random.next();
    if (u < 0.9) return Math.min(random.exponential(2 * HOUR_MS), 20 * HOUR_MS) + 2 * MINUTE_MS;
    if (u < 0.99) return random.int(24 * 60, 7 * 24 * 60) * MINUTE_MS;
    return random.int(7 * 24 * 60 + 1, 30 * 24 * 60) * MINUTE_MS;
  }

  private nextSequence(key: string): number {
    const next = (this.sequences.get(key) ?? 0) + 1;
    this.sequences.set(key, next);
    return next;
  }

  private samplers(random: SeededRandom) {
    const balanced = <T>(choices: Weighted<T>): BalancedSampler<T> =>
      new BalancedSampler(
        categoricalQuantile(choices),
        random.fork(JSON.stringify(choices.map(([value]) => value))),
      );
    const quantity = (label: string, spec: TruncatedLogNormal): BalancedSampler<number> =>
      new BalancedSampler(truncatedLogNormalQuantile(spec), random.fork(label));
    const bernoulli = (label: string, probability: number): BalancedSampler<boolean> =>
      new BalancedSampler((u) => u < probability, random.fork(label));
    const profile = this.profile;
    return {
      source: balanced(MIX.source),
      intelligenceGrade: balanced(MIX.intelligenceGrade),
      handling: balanced(MIX.handling),
      threatToLife: bernoulli('threatToLife', THREAT_TO_LIFE_RATE),
      routinePriority: balanced(MIX.routinePriority),
      disseminations: balanced(MIX.disseminationsPerReport),
      ttlAction: balanced(MIX.threatToLifeAction),
      ocgBand: balanced(MIX.ocgBand),
      legalPower: balanced(MIX.legalPower),
      arrestsPerRaid: balanced(MIX.arrestsPerRaid),
      seizuresPerRaid: balanced(MIX.seizuresPerRaid),
      seizureKind: balanced(MIX.seizureKind),
      drugType: balanced(MIX.drugType),
      firearmsPerSeizure: balanced(MIX.firearmsPerSeizure),
      firearmCategory: balanced(MIX.firearmCategory),
      otherProperty: balanced(MIX.otherProperty),
      drugKg: quantity('drugKg', profile.drugKg),
      drugDoses: quantity('drugDoses', profile.drugDoses),
      cannabisPlants: quantity('cannabisPlants', profile.cannabisPlants),
      cashPounds: quantity('cashPounds', profile.cashPounds),
      rounds: quantity('rounds', profile.roundsPerSeizure),
      corrected: bernoulli('corrected', profile.correctionRate),
      enteredTwice: bernoulli('enteredTwice', profile.enteredTwiceRate),
      retried: bernoulli('retried', profile.retryRate),
      withRounds: bernoulli('withRounds', ROUNDS_WITH_FIREARMS_RATE),
    };
  }
}

const HANDLING_CONDITIONS = [
  'Not to be disseminated outside law enforcement without the originator’s consent.',
  'Source protection: no action to be taken that could identify the source.',
  'Use for intelligence purposes only; not for evidential use without further authority.',
  'Sharing with international partners only through the NCA.',
] as const;

const CORRECTION_REASONS = [
  'Exhibit re-weighed at the property store',
  'Transcription error in the original record',
  'Times corrected from the officer’s notebook',
  'Grading reviewed by the intelligence unit',
] as const;

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
