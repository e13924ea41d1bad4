import fc from 'fast-check';
import {
  UTC_TIMESTAMP_PATTERN,
  isUtcTimestamp,
  normaliseUtcTimestamp,
  storedInstantMs,
  utcInstantMs,
} from './field-patterns';

/** The rule written the slow way: the pattern, then the calendar fields read back from Date. */
function oracle(text: string): boolean {
  if (!UTC_TIMESTAMP_PATTERN.test(text)) return false;
  const millis = Date.parse(text);
  return Number.isFinite(millis) && new Date(millis).toISOString().slice(0, 19) === text.slice(0, 19);
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Texts of the timestamp's shape with every field anywhere in its digits' range (30 February, hour 24, …), with 0–3 fraction digits. */
const shaped = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
    fc.constantFrom('', '.5', '.25', '.123', '.000'),
  )
  .map(
    ([year, month, day, hour, minute, second, fraction]) =>
      `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction}Z`,
  );
const real = fc
  .date({
    min: new Date('0000-01-01T00:00:00Z'),
    max: new Date('9999-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString());

describe('UTC timestamps', () => {
  it('isUtcTimestamp accepts exactly what the pattern and the calendar accept', () => {
    fc.assert(
      fc.property(fc.oneof(shaped, real, fc.string()), (text) =>
        expect(isUtcTimestamp(text)).toBe(oracle(text)),
      ),
      { numRuns: 10_000 },
    );
  });

  it('normaliseUtcTimestamp gives the toISOString form of every accepted text and leaves the rest alone', () => {
    fc.assert(
      fc.property(fc.oneof(shaped, real), (text) =>
        expect(normaliseUtcTimestamp(text)).toBe(
          oracle(text) ? new Date(Date.parse(text)).toISOString() : text,
        ),
      ),
      { numRuns: 5_000 },
    );
  });

  it('utcInstantMs reads every accepted text of year 0100 on as Date.parse does and refuses the rest', () => {
    fc.assert(
      fc.property(fc.oneof(shaped, real, fc.string()), (text) => {
        const instant = utcInstantMs(text);
        if (oracle(text) && Number(text.slice(0, 4)) >= 100) expect(instant).toBe(Date.parse(text));
        else expect(instant).toBeNaN();
      }),
      { numRuns: 10_000 },
    );
  });

  it('storedInstantMs reads the stored form as Date.parse does and refuses everything else', () => {
    fc.assert(
      fc.property(fc.oneof(shaped, real), (text) => {
        const stored = storedInstantMs(text);
        const isStoredForm = text.length === 24 && oracle(text) && Number(text.slice(0, 4)) >= 100;
        if (isStoredForm) expect(stored).toBe(Date.parse(text));
        else expect(stored).toBeNaN();
      }),
      { numRuns: 10_000 },
    );
  });

  it.each(['2020-02-29T12:00:00.000Z', '2100-02-28T00:00:00.000Z', '2000-02-29T00:00:00.000Z'])(
    'accepts the real date %s',
    (text) => expect(isUtcTimestamp(text)).toBe(true),
  );

  it.each([
    '2021-02-29T00:00:00.000Z',
    '2100-02-29T00:00:00.000Z',
    '2020-04-31T00:00:00.000Z',
    '2020-01-01T24:00:00.000Z',
  ])('refuses the date that does not exist, %s', (text) => expect(isUtcTimestamp(text)).toBe(false));
});
