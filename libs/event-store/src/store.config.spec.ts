import { readStoreConfig, StoreConfigurationError } from './store.config';

describe('readStoreConfig', () => {
  it('defaults to the embedded store under ./data of the working directory', () => {
    expect(readStoreConfig({}, '/srv/timeline')).toEqual({
      dataDir: '/srv/timeline/data',
      eventStore: { kind: 'sqlite', file: '/srv/timeline/data/events.db', maxQueuedEvents: 20_000 },
    });
    expect(readStoreConfig({ DATA_DIR: 'state', WRITE_QUEUE_MAX_EVENTS: '500' }, '/srv').eventStore).toEqual({
      kind: 'sqlite',
      file: '/srv/state/events.db',
      maxQueuedEvents: 500,
    });
  });

  it('gives the EventStoreDB adapter its connection string, retry budget and deadline', () => {
    expect(
      readStoreConfig(
        {
          DATA_DIR: '/var/lib/timeline',
          EVENT_STORE: 'eventstoredb',
          EVENTSTORE_URL: 'kurrentdb://node1:2113?tls=false',
          EVENTSTORE_RETRY_BUDGET_MS: '30000',
        },
        '/ignored',
      ),
    ).toEqual({
      dataDir: '/var/lib/timeline',
      eventStore: {
        kind: 'eventstoredb',
        connectionString: 'kurrentdb://node1:2113?tls=false',
        retry: { budgetMs: 30_000 },
        deadlineMs: 10_000,
      },
    });
  });

  it('names every wrong setting at once', () => {
    let error: unknown;
    try {
      readStoreConfig(
        { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'http://node1:2113', WRITE_QUEUE_MAX_EVENTS: '0' },
        '/srv',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoreConfigurationError);
    expect((error as StoreConfigurationError).problems).toEqual([
      'WRITE_QUEUE_MAX_EVENTS must be an integer from 1 to 1000000; got "0"',
      'EVENTSTORE_URL must be an esdb:// or kurrentdb:// connection string; got "http://node1:2113"',
    ]);
    expect(() => readStoreConfig({ EVENT_STORE: 'eventstoredb' }, '/srv')).toThrow(
      'EVENTSTORE_URL is required when EVENT_STORE=eventstoredb',
    );
    expect(() => readStoreConfig({ EVENTSTORE_URL: 'esdb://node1:2113' }, '/srv')).toThrow(
      'EVENTSTORE_URL is only used with EVENT_STORE=eventstoredb',
    );
  });
});
