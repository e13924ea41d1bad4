// Loaded by a command when it runs, not at start (main.ts, "Adding a command").
export * from '@timeline/demo-data';
