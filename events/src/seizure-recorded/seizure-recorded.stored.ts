import { drugClassOf, type DrugClass } from '../vocabulary/drug.vocabulary';
import type { DrugSeizureLineV1, SeizureRecordedV1 } from './seizure-recorded.v1';

/** A drug line as stored: the request's line plus its Misuse of Drugs Act class, derived server-side. */
export type StoredDrugSeizureLine = DrugSeizureLineV1 & { readonly drugClass: DrugClass };

/** SeizureRecorded data as stored and read back: every drug line carries `drugClass`. */
export type StoredSeizureRecordedData = Omit<SeizureRecordedV1, 'drugs'> & {
  readonly drugs?: readonly StoredDrugSeizureLine[];
};

/** Adds the derived drug class to every drug line. */
export function toStoredSeizureRecorded(data: SeizureRecordedV1): StoredSeizureRecordedData {
  const { drugs, ...rest } = data;
  if (drugs === undefined) return rest;
  return { ...rest, drugs: drugs.map((line) => ({ ...line, drugClass: drugClassOf(line.drugType) })) };
}
