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

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** The decimal digits of `text` from `start` to `end`, or -1 if one is not a digit. */
function digitsAt(text: string, start: number, end: number): number {
  let value = 0;
  for (let index = start; index < end; index += 1) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Milliseconds since the epoch of a text in the UTC timestamp format
 * (`2020-06-13T05:30:00Z`, with 0–3 fraction digits) that is a real calendar
 * date and time of year 0100 or later, read field by field; NaN for any other
 * text, which callers then read by the general rules. Several times faster than
 * `Date.parse` and a `toISOString` read-back: the write path checks a few per
 * event and a rebuild reads two per event.
 */
export function utcInstantMs(text: string): number {
  const length = text.length;
  // 20 characters without a fraction, 22 to 24 with 1 to 3 fraction digits.
  if (
    (length !== 20 && (length < 22 || length > 24)) ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 ||
    (length !== 20 && text.charCodeAt(19) !== 46) /* . */ ||
    text.charCodeAt(length - 1) !== 90 /* Z */
  )
    return NaN;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hour = digitsAt(text, 11, 13);
  const minute = digitsAt(text, 14, 16);
  const second = digitsAt(text, 17, 19);
  const fraction = length === 20 ? 0 : digitsAt(text, 20, length - 1);
  const valid =
    year >= 100 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= DAYS_IN_MONTH[month - 1] &&
    (month !== 2 || day <= 28 || isLeapYear(year)) &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 59 &&
    fraction >= 0;
  // One fraction digit is tenths, two are hundredths.
  const millisecond = length === 22 ? fraction * 100 : length === 23 ? fraction * 10 : fraction;
  return valid ? Date.UTC(year, month - 1, day, hour, minute, second, millisecond) : NaN;
}

/**
 * Milliseconds since the epoch of a timestamp in the stored form
 * (`2020-06-13T05:30:00.000Z`: a real calendar date and time, year 0100 or
 * later); NaN for any other text (see `utcInstantMs`).
 */
export function storedInstantMs(text: string): number {
  return text.length === 24 ? utcInstantMs(text) : NaN;
}

/** True when `value` is a real instant in the UTC timestamp format (no 30 February). */
export function isUtcTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (!Number.isNaN(utcInstantMs(value))) return true;
  if (!UTC_TIMESTAMP_PATTERN.test(value)) return false;
  const millis = Date.parse(value);
  // Date.parse rolls 30 February over to 1 March: compare the calendar fields back.
  return Number.isFinite(millis) && new Date(millis).toISOString().slice(0, 19) === value.slice(0, 19);
}

/** The stored form of a UTC timestamp (`YYYY-MM-DDTHH:mm:ss.sssZ`); returns other values unchanged. */
export function normaliseUtcTimestamp<T>(value: T): T | string {
  if (typeof value === 'string' && !Number.isNaN(utcInstantMs(value))) {
    if (value.length === 24) return value;
    // What toISOString writes for the same instant: the fraction to three digits.
    return `${value.slice(0, 19)}.${value.slice(20, value.length - 1).padEnd(3, '0')}Z`;
  }
  return isUtcTimestamp(value) ? new Date(Date.parse(value)).toISOString() : value;
}
