/**
 * Formats of the string fields of the contract. Each is anchored and bounded, so
 * a pattern check also bounds the length.
 */

/**
 * Identifiers the client assigns to things it records (raid, arrest, seizure,
 * report, OCG, threat-to-life and subject ids): letters, digits, `-`, `_`, `/`,
 * 1–64 long, starting alphanumeric. No spaces, so no names can be smuggled in.
 */
export const REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_/-]{0,63}$/;

/**
 * The outward code (district) of a UK postcode, upper case: `LL11`, `M1`, `CH5`,
 * `SW1A`, `EC1V`. Full postcodes are deliberately not accepted: a district is
 * precise enough for the picture and keeps addresses out of the record.
 */
export const POSTCODE_DISTRICT_PATTERN = /^(?:[A-Z]{1,2}[0-9][0-9A-Z]?|GIR)$/;

/**
 * An instant in UTC, ISO 8601: `2020-06-13T05:30:00Z`, optionally with 1–3
 * fractional digits. Accepted values are stored normalised to the form
 * `Date.prototype.toISOString` writes (always milliseconds), so that stored
 * timestamps sort as strings.
 */
export const UTC_TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/** Operation codenames: capitalised words, e.g. `VENETIC`, `ORIGAMI BLUE`. */
export const CODENAME_PATTERN = /^[A-Z][A-Z0-9]*(?:[ -][A-Z0-9]+){0,4}$/;

/** True when `value` is a real instant in the UTC timestamp format (no 30 February). */
export function isUtcTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !UTC_TIMESTAMP_PATTERN.test(value)) return false;
  const millis = Date.parse(value);
  // Date.parse rolls 30 February over to 1 March: compare the calendar fields back.
  return Number.isFinite(millis) && new Date(millis).toISOString().slice(0, 19) === value.slice(0, 19);
}

/** The stored form of a UTC timestamp (`YYYY-MM-DDTHH:mm:ss.sssZ`); returns other values unchanged. */
export function normaliseUtcTimestamp<T>(value: T): T | string {
  return isUtcTimestamp(value) ? new Date(Date.parse(value)).toISOString() : value;
}
