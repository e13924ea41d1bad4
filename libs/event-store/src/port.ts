/**
 * The store's port alone: its types, errors and positions, without the adapters, their
 * drivers or the Nest module the index also exports. Libraries that only use a store they
 * are given (integrity, projections) import this, so that what they offer offline (an
 * export's check, a replay from a file) loads no driver (docs/architecture.md §1).
 */
export * from './event-store.port';
export * from './event-store.errors';
export * from './global-position';
