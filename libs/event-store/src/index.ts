export * from './event-store.port';
export * from './event-store.errors';
export * from './global-position';
export * from './event-store.factory';
export * from './event-store.module';
