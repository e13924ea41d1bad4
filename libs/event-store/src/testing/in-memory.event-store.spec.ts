import { describeEventStoreContract } from './event-store.contract';
import { InMemoryEventStore } from './in-memory.event-store';

// The test double is held to the same contract as the adapters, so unit tests built on it
// see the store's real behaviour. Every `create()` reaches the same data, as the harness asks.
const shared = new InMemoryEventStore();

describeEventStoreContract('in-memory test double', {
  create: async () => shared.connection(),
  liveTimeoutMs: 2000,
});
