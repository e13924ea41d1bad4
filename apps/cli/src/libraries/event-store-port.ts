// Loaded by a command when it runs, not at start (main.ts, "Adding a command"): the store's
// port alone (positions, errors), for commands that may work without a store (replay --from-export).
export * from '@timeline/event-store/port';
