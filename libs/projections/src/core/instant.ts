import { storedInstantMs } from '@timeline/events';

/**
 * Milliseconds since the epoch of an ISO 8601 instant, as `Date.parse` gives
 * them (NaN when it cannot read the text). The stored form is read directly
 * (`storedInstantMs`), several times faster: a rebuild reads two per event.
 */
export function instantMs(text: string): number {
  const stored = storedInstantMs(text);
  return Number.isNaN(stored) ? Date.parse(text) : stored;
}
