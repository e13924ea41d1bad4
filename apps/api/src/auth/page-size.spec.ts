import { PageSizeError } from './auth.errors';
import { pageSize } from './page-size';

describe('pageSize', () => {
  const bounds = { default: 50, max: 200 };

  it('uses the default when the client names none', () => {
    expect(pageSize(undefined, bounds)).toBe(50);
    expect(pageSize('', bounds)).toBe(50);
  });

  it('accepts sizes from 1 to the cap', () => {
    expect(pageSize('1', bounds)).toBe(1);
    expect(pageSize('200', bounds)).toBe(200);
  });

  it.each(['0', '201', '-1', '1.5', 'ten', '1e3', '99999999999'])(
    'refuses %s with a typed 400 naming the cap',
    (raw) => {
      expect(() => pageSize(raw, bounds)).toThrow(PageSizeError);
      expect(() => pageSize(raw, bounds)).toThrow(`limit must be an integer between 1 and 200; got "${raw}"`);
    },
  );
});
