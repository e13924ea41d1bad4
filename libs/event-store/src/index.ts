export * from './event-store.port';
export * from './event-store.errors';
export * from './global-position';
export * from './event-store.factory';
export * from './event-store.module';
/** The embedded adapter's class, for metrics (`metrics()`: transactions, appends, events written) and start-up checks. */
export { SqliteEventStore, type SqliteEventStoreMetrics, type SqliteEventStoreOptions } from './sqlite/sqlite.event-store';
