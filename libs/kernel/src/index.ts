export * from './errors/timeline.error';
export * from './json/canonical-json';
export type * from './json/json.types';
export * from './decider/decider';
