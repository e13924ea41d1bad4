/**
 * The published event contract (events/README.md; docs/architecture.md §2).
 *
 * What this module exports, for the write API, the projections and the tools:
 *
 * - Each type's facts, declared beside its data class (`<type>/<type>.facts.ts`,
 *   `EventTypeFacts`), gathered in `EVENT_TYPE_FACTS` / `EVENT_FACTS`; derived from
 *   them: `EVENT_TYPES`, `EventType`, `isEventType`, `CORRECTABLE_EVENT_TYPES`,
 *   `RETRACTABLE_EVENT_TYPES`, `COUNTED_EVENT_TYPES`, `OPERATIONAL_EVENT_TYPES`, …
 * - One class-validator data class per type and version, e.g. `SeizureRecordedV1`,
 *   `IntelligenceReceivedV1`/`IntelligenceReceivedV2` (class instances are never
 *   stored: the classes are the validation and schema source only).
 * - `EVENT_CATALOGUE[type]`: summary, `currentVersion`, `versions` (data class,
 *   upcaster to the next version) and `minimumClassification` (also the default).
 * - `validateEventData(type, schemaVersion, data)`: `{ ok: true, schemaVersion, data }`
 *   with plain JSON data upcast to the current version, or `{ ok: false, reason,
 *   errors }` with every `FieldError { path, constraint, message }`; `path` is
 *   relative to `data` (`drugs[0].unit`, `''` for the object itself). `reason` is
 *   `unknown-type` / `unsupported-version` (about the event's `type` or
 *   `schemaVersion`) or `invalid-data`. Unknown fields are errors.
 * - `toStoredEventData(type, data)`: adds server-derived fields (drug class per
 *   drug line; a correction's `replacementSchemaVersion`). `EventDataByType` is the
 *   request shape, `StoredEventDataByType` the stored shape read models see.
 * - `upcastStoredEventData(type, schemaVersion, data)`: stored data of any
 *   published version → current stored shape. Fold every stored event through it.
 * - JSON Schemas: `eventDataJsonSchema(type, version)` (self-contained draft-07,
 *   also committed under `events/catalogue/<Type>/v<N>.schema.json`) and
 *   `eventSchemaComponents(refPrefix)` to merge every data schema into an OpenAPI
 *   document (`components.schemas`), with `eventSchemaName(type, version)` naming
 *   the root component of each type and version.
 * - Vocabularies: agencies (`UK_AGENCIES`, `PARTNER_AGENCIES`, `REGIONS`), drugs
 *   (`DRUG_TYPES_TABLE`, `drugClassOf`, `unitsAllowedFor`), firearms and cash,
 *   3x5x2 grading and priorities, legal powers, offences.
 * - Field formats: `UTC_TIMESTAMP_PATTERN`, `isUtcTimestamp`, `utcInstantMs`, `storedInstantMs`,
 *   `normaliseUtcTimestamp`, `REFERENCE_PATTERN`, `POSTCODE_DISTRICT_PATTERN`.
 * - The envelope: `EventEnvelope`, `TimelineEvent`, `CLASSIFICATIONS`,
 *   `operationStreamName`, `OPERATION_ID_PATTERN`.
 */
export * from './envelope/event-envelope';
export * from './event-type-facts';
export * from './event-types';
export * from './event-catalogue';
export * from './schema/event-data.json-schema';
export * from './validation/field-error';
export * from './validation/field-patterns';
export * from './vocabulary/agency.vocabulary';
export * from './vocabulary/drug.vocabulary';
export * from './vocabulary/firearm.vocabulary';
export * from './vocabulary/intelligence.vocabulary';
export * from './vocabulary/legal.vocabulary';
export * from './operation-launched/operation-launched.v1';
export * from './agency-joined/agency-joined.v1';
export * from './encryption-cracked/encryption-cracked.v1';
export * from './intelligence-received/intelligence-received.v1';
export * from './intelligence-received/intelligence-received.v2';
export * from './intelligence-received/intelligence-received.upcaster';
export * from './intelligence-disseminated/intelligence-disseminated.v1';
export * from './organised-crime-group-identified/organised-crime-group-identified.v1';
export * from './raid-conducted/raid-conducted.v1';
export * from './arrest-made/arrest-made.v1';
export * from './charge-brought/charge-brought.v1';
export * from './seizure-recorded/seizure-recorded.v1';
export * from './seizure-recorded/seizure-recorded.stored';
export * from './threat-to-life-mitigated/threat-to-life-mitigated.v1';
export * from './event-corrected/event-corrected.v1';
export * from './event-retracted/event-retracted.v1';
export * from './operational-phase-ended/operational-phase-ended.v1';
export * from './operation-closed/operation-closed.v1';
export * from './handling/handling-code.restriction';
