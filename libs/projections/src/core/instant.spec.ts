import fc from 'fast-check';
import { instantMs } from './instant';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

describe('instantMs', () => {
  it('reads the stored form exactly as Date.parse does', () => {
    const stored = fc
      .date({
        min: new Date('0100-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59.999Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString());
    fc.assert(
      fc.property(stored, (text) => expect(instantMs(text)).toBe(Date.parse(text))),
      {
        numRuns: 5_000,
      },
    );
  });

  it('agrees with Date.parse on texts of the stored shape with any field out of range', () => {
    const shaped = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 999 }),
      )
      .map(
        ([year, month, day, hour, minute, second, ms]) =>
          `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(ms, 3)}Z`,
      );
    fc.assert(
      fc.property(shaped, (text) => expect(instantMs(text)).toBe(Date.parse(text))),
      {
        numRuns: 5_000,
      },
    );
  });

  it.each([
    '2020-02-29T12:00:00.000Z',
    '2100-02-29T00:00:00.000Z',
    '2000-02-29T00:00:00.000Z',
    '0099-12-31T23:59:59.999Z',
    '2020-06-13T05:00:00.000+01:00',
    '2020-06-13T05:00:00Z',
    '2020-06-13',
    '2020-0a-13T05:00:00.000Z',
    'not a date at all, 24 ch',
    '',
  ])('agrees with Date.parse on %j', (text) => {
    expect(instantMs(text)).toBe(Date.parse(text));
  });
});
