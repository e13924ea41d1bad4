export * from './event-store.port';
export * from './event-store.errors';
export * from './global-position';
export * from './event-store.factory';
export * from './store.config';
export * from './event-store.module';
/** The embedded adapter's class, for metrics (`metrics()`: transactions, appends, events written) and start-up checks. */
export {
  SqliteEventStore,
  type SqliteEventStoreMetrics,
  type SqliteEventStoreOptions,
} from './sqlite/sqlite.event-store';
export type { WriterFaults } from './sqlite/sqlite.writer';
export { SqliteStoreLock } from './sqlite/sqlite.store-lock';
/** The EventStoreDB adapter's options (with their defaults) and the errors it adds to the port's. */
export {
  EventStoreDbConfigurationError,
  type EventStoreDbOptions,
} from './eventstoredb/eventstoredb.options';
export { InvalidReadError, UnreadableEventError } from './eventstoredb/eventstoredb.event-store';
/** Online backup and restore of the embedded store (the CLI's backup and restore commands). */
export {
  backupSqliteStore,
  inspectSqliteBackup,
  restoreSqliteStore,
  type SqliteStoreCopy,
  type StoreCopyCheck,
} from './sqlite/sqlite.backup';
