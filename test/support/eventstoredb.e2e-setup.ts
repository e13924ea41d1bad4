// The `e2e-eventstoredb` jest project: the same suites, over the EventStoreDB adapter.
// Jest gives each test file its own copy of process.env, so this reaches no other project.
process.env['E2E_EVENT_STORE'] = 'eventstoredb';
