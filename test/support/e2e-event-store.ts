/**
 * Which event store the end-to-end suites run the api on, chosen in one place:
 * `E2E_EVENT_STORE=eventstoredb` (set by the `e2e-eventstoredb` jest project)
 * runs them over the EventStoreDB adapter on the protocol test server; unset,
 * they run on a file-backed SQLite store.
 */
export type E2eEventStore = 'sqlite' | 'eventstoredb';

export function e2eEventStore(): E2eEventStore {
  const value = process.env['E2E_EVENT_STORE'];
  if (value === undefined || value === '' || value === 'sqlite') return 'sqlite';
  if (value === 'eventstoredb') return 'eventstoredb';
  // A typo must not quietly fall back to SQLite and report a green run that tested nothing new.
  throw new Error(`E2E_EVENT_STORE must be sqlite or eventstoredb; got ${JSON.stringify(value)}`);
}
