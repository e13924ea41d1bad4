import fc from 'fast-check';
import { instantMs } from './instant';

describe('instantMs', () => {
  // The stored form's reader has its own property tests (events/src/validation); here, what instantMs adds: the fallback.
  it('reads any instant as Date.parse does', () => {
    const stored = fc
      .date({
        min: new Date('0000-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59.999Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString());
    fc.assert(
      fc.property(stored, (text) => expect(instantMs(text)).toBe(Date.parse(text))),
      {
        numRuns: 2_000,
      },
    );
  });

  it.each([
    '2020-02-29T12:00:00.000Z',
    '2021-02-29T00:00:00.000Z',
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
