import type { Classification } from './envelope/event-envelope';

/** The names of the fields of `TData` that hold a string (or may). */
export type TextField<TData> = {
  [F in keyof TData]-?: NonNullable<TData[F]> extends string ? F : never;
}[keyof TData] &
  string;

/**
 * Where an event's data names an organised crime group: in a field of its own
 * (a raid's `ocgId`), through the raid it was made at (an arrest's `raidId`), or
 * through the arrest it follows (a charge's `arrestId`: the group of that
 * arrest's raid).
 */
export type OrganisedCrimeGroupLink<TData> =
  | { readonly field: TextField<TData> }
  | { readonly viaRaid: TextField<TData> }
  | { readonly viaArrest: TextField<TData> };

/**
 * What the rest of the system needs to know of an event type, declared once
 * beside its data class (`events/src/<type>/<type>.facts.ts`). The lists of
 * `event-types.ts`, the catalogue, the operation's rules and the read models
 * derive from these; events/README.md ("Adding an event type") says where each
 * fact is used.
 */
export interface EventTypeFacts<TData extends object = object> {
  readonly type: string;
  /** One line for the catalogue and the API documentation. */
  readonly summary: string;
  /** The lowest protective marking an event of this type may carry; also its default. */
  readonly minimumClassification: Classification;
  /**
   * The field holding the id of what the event records (a raid id, an arrest id,
   * a report ref, the agency that joined…): a correction may not change it, and
   * a correction or retraction of the event finds what it recorded by it.
   */
  readonly identityField: TextField<TData> | null;
  /** Fields naming the agency that acts in the event: the acting force, a recipient, a source, a lead. */
  readonly agencyFields: readonly TextField<TData>[];
  /** How the data names an organised crime group, if it does (the picture's breakdown by group). */
  readonly organisedCrimeGroup: OrganisedCrimeGroupLink<TData> | null;
  /** An EventCorrected may replace its data. */
  readonly correctable: boolean;
  /** An EventRetracted may withdraw it. */
  readonly retractable: boolean;
  /** It adds to the operational picture's counters (so a retraction takes back what it counted). */
  readonly counted: boolean;
  /** It amends an earlier event rather than state a fact of its own (a timeline shows it on its target). */
  readonly amendment: boolean;
  /** Refused once the operational phase has ended (a raid, an arrest, a seizure). */
  readonly operational: boolean;
  /** May be dated before the operation's launch: the background that led to it. */
  readonly mayPredateLaunch: boolean;
  /**
   * Recorded after the closure as well, dated when made or decided (charges,
   * court outcomes, amendments): a phase end or closure need not follow it.
   */
  readonly recordedAfterClosure: boolean;
}
