import 'reflect-metadata';
import type { Classification } from './envelope/event-envelope';
import {
  CORRECTABLE_EVENT_TYPES,
  EVENT_FACTS,
  EVENT_TYPES,
  isEventType,
  type CorrectableEventType,
  type EventType,
} from './event-types';
import { AgencyJoinedV1 } from './agency-joined/agency-joined.v1';
import { ArrestMadeV1 } from './arrest-made/arrest-made.v1';
import { ChargeBroughtV1 } from './charge-brought/charge-brought.v1';
import { ChargeOutcomeRecordedV1 } from './charge-outcome-recorded/charge-outcome-recorded.v1';
import { EncryptionCrackedV1 } from './encryption-cracked/encryption-cracked.v1';
import { EventCorrectedV1 } from './event-corrected/event-corrected.v1';
import { EventRetractedV1 } from './event-retracted/event-retracted.v1';
import { upcastIntelligenceReceivedV1 } from './intelligence-received/intelligence-received.upcaster';
import { IntelligenceReceivedV1 } from './intelligence-received/intelligence-received.v1';
import { IntelligenceReceivedV2 } from './intelligence-received/intelligence-received.v2';
import { IntelligenceDisseminatedV1 } from './intelligence-disseminated/intelligence-disseminated.v1';
import { OperationClosedV1 } from './operation-closed/operation-closed.v1';
import { OperationLaunchedV1 } from './operation-launched/operation-launched.v1';
import { OperationalPhaseEndedV1 } from './operational-phase-ended/operational-phase-ended.v1';
import { OrganisedCrimeGroupIdentifiedV1 } from './organised-crime-group-identified/organised-crime-group-identified.v1';
import { RaidConductedV1 } from './raid-conducted/raid-conducted.v1';
import {
  toStoredSeizureRecorded,
  type StoredSeizureRecordedData,
} from './seizure-recorded/seizure-recorded.stored';
import { SeizureRecordedV1 } from './seizure-recorded/seizure-recorded.v1';
import { ThreatToLifeMitigatedV1 } from './threat-to-life-mitigated/threat-to-life-mitigated.v1';
import {
  compileDataClassValidator,
  validateCompiled,
  validateWithClassValidator,
  type DataClassValidator,
} from './validation/data-class.validation';
import type { DataClass } from './validation/compiled-data-class';
import type { FieldError } from './validation/field-error';

/** Data of each event type at its current version, as a client sends it (after validation). */
export interface EventDataByType {
  OperationLaunched: OperationLaunchedV1;
  AgencyJoined: AgencyJoinedV1;
  EncryptionCracked: EncryptionCrackedV1;
  IntelligenceReceived: IntelligenceReceivedV2;
  IntelligenceDisseminated: IntelligenceDisseminatedV1;
  OrganisedCrimeGroupIdentified: OrganisedCrimeGroupIdentifiedV1;
  RaidConducted: RaidConductedV1;
  ArrestMade: ArrestMadeV1;
  ChargeBrought: ChargeBroughtV1;
  ChargeOutcomeRecorded: ChargeOutcomeRecordedV1;
  SeizureRecorded: SeizureRecordedV1;
  ThreatToLifeMitigated: ThreatToLifeMitigatedV1;
  EventCorrected: EventCorrectedData;
  EventRetracted: EventRetractedV1;
  OperationalPhaseEnded: OperationalPhaseEndedV1;
  OperationClosed: OperationClosedV1;
}

/** EventCorrected data once validated: `replacement` is typed by `correctedType`. */
export type EventCorrectedData = {
  [K in CorrectableEventType]: Omit<EventCorrectedV1, 'correctedType' | 'replacement'> & {
    readonly correctedType: K;
    readonly replacement: EventDataByType[K];
  };
}[CorrectableEventType];

/**
 * Data of each event type as stored and as read models see it (upcast to the
 * current version). It differs from the request shape only where the server
 * derives fields: SeizureRecorded drug lines carry `drugClass`, and
 * EventCorrected carries `replacementSchemaVersion` and a stored-shape replacement.
 */
export interface StoredEventDataByType extends Omit<EventDataByType, 'SeizureRecorded' | 'EventCorrected'> {
  SeizureRecorded: StoredSeizureRecordedData;
  EventCorrected: StoredEventCorrectedData;
}

export type StoredEventCorrectedData = {
  [K in CorrectableEventType]: Omit<EventCorrectedV1, 'correctedType' | 'replacement'> & {
    readonly correctedType: K;
    readonly replacement: StoredEventDataByType[K];
    /** The version of `correctedType` the replacement was stored at (server-assigned). */
    readonly replacementSchemaVersion: number;
  };
}[CorrectableEventType];

/**
 * A stored event's type and data as a discriminated union: a `switch (event.type)`
 * narrows `data` to that type's stored shape, and one that forgets a type does
 * not compile when it ends in an exhaustiveness check.
 */
export type StoredEvent<K extends EventType = EventType> = {
  [T in K]: { readonly type: T; readonly data: StoredEventDataByType[T] };
}[K];

/** A data class of the contract: class-validator decorators on plain fields. */
export type EventDataClass = DataClass;

export interface EventVersionDefinition {
  readonly version: number;
  readonly dataClass: EventDataClass;
  /** Turns data of this version into data of the next one; absent on the current version. */
  readonly upcast?: (data: never) => object;
  /** Rules across fields that no property decorator can hold, run on class-valid data. */
  readonly check?: (data: never) => FieldError[];
}

export interface EventTypeDefinition {
  readonly type: EventType;
  readonly summary: string;
  readonly currentVersion: number;
  /** Every published version, oldest first: `versions[n - 1].version === n`. */
  readonly versions: readonly EventVersionDefinition[];
  /** The lowest protective marking an event of this type may carry; also its default. */
  readonly minimumClassification: Classification;
}

function atLeastOneSeizureLine(data: SeizureRecordedV1): FieldError[] {
  const lines = [data.drugs, data.firearms, data.cash, data.other].filter((kind) => kind !== undefined);
  return lines.length > 0
    ? []
    : [
        {
          path: '',
          constraint: 'atLeastOneLine',
          message: 'a seizure needs at least one line: drugs, firearms, cash or other',
        },
      ];
}

/** A type's versions, with its summary and marking from its facts (`<type>.facts.ts`). */
function define(type: EventType, versions: readonly EventVersionDefinition[]): EventTypeDefinition {
  const { summary, minimumClassification } = EVENT_FACTS[type];
  return { type, summary, currentVersion: versions.length, versions, minimumClassification };
}

/** The catalogue: every event type with its versions, data classes and upcasters. */
export const EVENT_CATALOGUE: { readonly [K in EventType]: EventTypeDefinition } = {
  OperationLaunched: define('OperationLaunched', [{ version: 1, dataClass: OperationLaunchedV1 }]),
  AgencyJoined: define('AgencyJoined', [{ version: 1, dataClass: AgencyJoinedV1 }]),
  EncryptionCracked: define('EncryptionCracked', [{ version: 1, dataClass: EncryptionCrackedV1 }]),
  IntelligenceReceived: define('IntelligenceReceived', [
    {
      version: 1,
      dataClass: IntelligenceReceivedV1,
      upcast: upcastIntelligenceReceivedV1 as (data: never) => object,
    },
    { version: 2, dataClass: IntelligenceReceivedV2 },
  ]),
  IntelligenceDisseminated: define('IntelligenceDisseminated', [
    { version: 1, dataClass: IntelligenceDisseminatedV1 },
  ]),
  OrganisedCrimeGroupIdentified: define('OrganisedCrimeGroupIdentified', [
    { version: 1, dataClass: OrganisedCrimeGroupIdentifiedV1 },
  ]),
  RaidConducted: define('RaidConducted', [{ version: 1, dataClass: RaidConductedV1 }]),
  ArrestMade: define('ArrestMade', [{ version: 1, dataClass: ArrestMadeV1 }]),
  ChargeBrought: define('ChargeBrought', [{ version: 1, dataClass: ChargeBroughtV1 }]),
  ChargeOutcomeRecorded: define('ChargeOutcomeRecorded', [
    { version: 1, dataClass: ChargeOutcomeRecordedV1 },
  ]),
  SeizureRecorded: define('SeizureRecorded', [
    {
      version: 1,
      dataClass: SeizureRecordedV1,
      check: atLeastOneSeizureLine as (data: never) => FieldError[],
    },
  ]),
  ThreatToLifeMitigated: define('ThreatToLifeMitigated', [
    { version: 1, dataClass: ThreatToLifeMitigatedV1 },
  ]),
  EventCorrected: define('EventCorrected', [{ version: 1, dataClass: EventCorrectedV1 }]),
  EventRetracted: define('EventRetracted', [{ version: 1, dataClass: EventRetractedV1 }]),
  OperationalPhaseEnded: define('OperationalPhaseEnded', [
    { version: 1, dataClass: OperationalPhaseEndedV1 },
  ]),
  OperationClosed: define('OperationClosed', [{ version: 1, dataClass: OperationClosedV1 }]),
};

// Every data class is compiled once, at start-up, not on the first request that needs it.
for (const definition of Object.values(EVENT_CATALOGUE))
  for (const version of definition.versions) compileDataClassValidator(version.dataClass);

export function currentVersionOf(type: EventType): number {
  return EVENT_CATALOGUE[type].currentVersion;
}

/** The outcome of validating event data: typed current-version data, or every field error. */
export type EventDataValidation<TData> =
  | {
      readonly ok: true;
      /** Always the current version: older versions are upcast. */
      readonly schemaVersion: number;
      /** Plain JSON data (no class instances), timestamps normalised. */
      readonly data: TData;
    }
  | {
      readonly ok: false;
      /** `unknown-type` and `unsupported-version` concern the event's `type` and `schemaVersion`, not its data. */
      readonly reason: 'unknown-type' | 'unsupported-version' | 'invalid-data';
      readonly errors: readonly FieldError[];
    };

function prefixed(prefix: string, errors: readonly FieldError[]): FieldError[] {
  return errors.map((error) => ({ ...error, path: error.path === '' ? prefix : `${prefix}.${error.path}` }));
}

function upcastChain(definition: EventTypeDefinition, fromVersion: number, data: object): object {
  let upcast = data;
  for (let version = fromVersion; version < definition.currentVersion; version += 1) {
    const step = definition.versions[version - 1]!.upcast;
    if (step === undefined)
      throw new Error(`${definition.type} v${version} has no upcaster to v${version + 1}`);
    upcast = step(upcast as never);
  }
  return upcast;
}

/**
 * Validates event data as a client sent it, for a type and schema version, with
 * whitelist + forbidNonWhitelisted semantics (an unknown field is an error).
 * Valid data is returned as plain JSON, upcast to the current version.
 * EventCorrected's `replacement` is validated as current data of `correctedType`
 * (its errors are reported under `replacement.`).
 */
export function validateEventData<K extends EventType>(
  type: K,
  schemaVersion: number,
  data: unknown,
): EventDataValidation<EventDataByType[K]>;
export function validateEventData(
  type: string,
  schemaVersion: number,
  data: unknown,
): EventDataValidation<object>;
export function validateEventData(
  type: string,
  schemaVersion: number,
  data: unknown,
): EventDataValidation<object> {
  return validateEventDataUsing(validateCompiled, type, schemaVersion, data);
}

/**
 * validateEventData through class-transformer and class-validator themselves, as
 * they read the decorators on every call: the reference the compiled validator
 * is tested against (data-class.validation.spec.ts), not for the request path.
 */
export function validateEventDataWithClassValidator(
  type: string,
  schemaVersion: number,
  data: unknown,
): EventDataValidation<object> {
  return validateEventDataUsing(validateWithClassValidator, type, schemaVersion, data);
}

function validateEventDataUsing(
  validator: DataClassValidator,
  type: string,
  schemaVersion: number,
  data: unknown,
): EventDataValidation<object> {
  if (!isEventType(type)) {
    return {
      ok: false,
      reason: 'unknown-type',
      errors: [
        {
          path: '',
          constraint: 'isKnownEventType',
          message: `unknown event type "${String(type)}"; known types: ${EVENT_TYPES.join(', ')}`,
        },
      ],
    };
  }
  const definition = EVENT_CATALOGUE[type];
  const version = definition.versions.find((candidate) => candidate.version === schemaVersion);
  if (version === undefined) {
    return {
      ok: false,
      reason: 'unsupported-version',
      errors: [
        {
          path: '',
          constraint: 'isSupportedSchemaVersion',
          message: `${type} has schema versions 1 to ${definition.currentVersion}; ${String(schemaVersion)} is not one of them`,
        },
      ],
    };
  }
  const checked = validator(version.dataClass, data);
  if (checked.errors.length > 0) return { ok: false, reason: 'invalid-data', errors: checked.errors };
  const crossField = version.check?.(checked.data as never) ?? [];
  if (crossField.length > 0) return { ok: false, reason: 'invalid-data', errors: crossField };
  let valid = checked.data;
  if (type === 'EventCorrected') {
    const correction = valid as EventCorrectedV1;
    const replacement = validateEventDataUsing(
      validator,
      correction.correctedType,
      currentVersionOf(correction.correctedType),
      correction.replacement,
    );
    if (!replacement.ok)
      return { ok: false, reason: 'invalid-data', errors: prefixed('replacement', replacement.errors) };
    valid = { ...correction, replacement: replacement.data };
  }
  return {
    ok: true,
    schemaVersion: definition.currentVersion,
    data: upcastChain(definition, schemaVersion, valid),
  };
}

/** An older schema version that `data` fits better than the current one. */
export interface OlderVersionFit {
  readonly version: number;
  /** The data is valid at that version (else it only breaks fewer rules there than at the current one). */
  readonly valid: boolean;
}

/**
 * Which older schema version `data` was written for, when it is not valid at the
 * current version: the newest older version at which it is valid, or else the one
 * at which it breaks fewest rules, if fewer than at the current version. Null when
 * the type has one version, the data is valid now, or no older version fits better.
 * Lets a client that sends v1-shaped data without `schemaVersion` be told so,
 * rather than given the current version's complaints about fields it never meant.
 */
export function olderVersionFit(type: EventType, data: unknown): OlderVersionFit | null {
  const definition = EVENT_CATALOGUE[type];
  if (definition.currentVersion === 1) return null;
  const current = validateEventData(type, definition.currentVersion, data);
  if (current.ok) return null;
  let best: { version: number; errors: number } | null = null;
  for (let version = definition.currentVersion - 1; version >= 1; version -= 1) {
    const older = validateEventData(type, version, data);
    if (older.ok) return { version, valid: true };
    if (older.errors.length < (best?.errors ?? current.errors.length))
      best = { version, errors: older.errors.length };
  }
  return best === null ? null : { version: best.version, valid: false };
}

/**
 * The data to store for validated current-version data: adds the fields the
 * server derives (drug classes; for a correction, the replacement's stored form
 * and its schema version).
 */
export function toStoredEventData<K extends EventType>(
  type: K,
  data: EventDataByType[K],
): StoredEventDataByType[K];
export function toStoredEventData(type: EventType, data: object): object {
  switch (type) {
    case 'SeizureRecorded':
      return toStoredSeizureRecorded(data as SeizureRecordedV1);
    case 'EventCorrected': {
      const correction = data as EventCorrectedData;
      return {
        ...correction,
        replacement: toStoredEventData(correction.correctedType, correction.replacement as never),
        replacementSchemaVersion: currentVersionOf(correction.correctedType),
      };
    }
    default:
      return data;
  }
}

/**
 * Brings stored data of any published version to the current version's stored
 * shape. Read models and deciders call this on every event they fold, so an
 * old event never reaches them in an old shape. Throws on an unknown type or
 * version: a stream holding one is not ours to guess about.
 */
export function upcastStoredEventData<K extends EventType>(
  type: K,
  schemaVersion: number,
  data: object,
): StoredEventDataByType[K];
export function upcastStoredEventData(type: string, schemaVersion: number, data: object): object;
export function upcastStoredEventData(type: string, schemaVersion: number, data: object): object {
  if (!isEventType(type)) throw new Error(`Stored event of unknown type "${type}"`);
  const definition = EVENT_CATALOGUE[type];
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > definition.currentVersion) {
    throw new Error(`Stored ${type} event has unknown schema version ${schemaVersion}`);
  }
  const upcast = upcastChain(definition, schemaVersion, data);
  if (type !== 'EventCorrected') return upcast;
  const correction = upcast as StoredEventCorrectedData;
  return {
    ...correction,
    replacement: upcastStoredEventData(
      correction.correctedType,
      correction.replacementSchemaVersion,
      correction.replacement,
    ),
    replacementSchemaVersion: currentVersionOf(correction.correctedType),
  };
}

export function isCorrectableEventType(value: unknown): value is CorrectableEventType {
  return typeof value === 'string' && (CORRECTABLE_EVENT_TYPES as readonly string[]).includes(value);
}
