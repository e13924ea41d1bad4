/** Where the write path gets the time; injected so that tests and replays control it. */
export interface Clock {
  now(): Date;
}

/** DI token of the Clock. */
export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };
