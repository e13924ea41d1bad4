export * from './errors/timeline.error';
export * from './json/canonical-json';
export * from './json/json-copy';
export type * from './json/json.types';
export * from './decider/decider';
export * from './collections/event-index';
