import { availableParallelism } from 'node:os';
import { ConfigurationError, loadApiConfig } from './api.config';

describe('loadApiConfig', () => {
  it('works on a bare machine: every variable has a default', () => {
    expect(loadApiConfig({}, '/srv/timeline')).toEqual({
      port: 3000,
      host: '0.0.0.0',
      dataDir: '/srv/timeline/data',
      dashboardDir: '/srv/timeline/dist/dashboard',
      eventStore: { kind: 'sqlite', file: '/srv/timeline/data/events.db', maxQueuedEvents: 20000 },
      logLevels: ['fatal', 'error', 'warn', 'log'],
      bodyLimitBytes: 1048576,
      maxBatchEvents: 100,
      liveMaxBufferedBytes: 1024 * 1024,
      decidedStateSnapshotEvery: 10_000,
      decidedStateWarmUp: 8,
      verifyThreads: availableParallelism(),
      demoData: 'auto',
      healthDetails: 'admin',
      transparency: {
        treeFile: '/srv/timeline/data/merkle/leaves.bin',
        signingKeyPem: null,
        headsFile: null,
        webhookUrl: null,
        headIntervalMs: 300_000,
      },
    });
  });

  it('reads every variable', () => {
    const config = loadApiConfig(
      {
        PORT: '8080',
        HOST: '127.0.0.1',
        DATA_DIR: '/var/lib/timeline',
        DASHBOARD_DIR: '/opt/timeline/dashboard',
        EVENT_STORE: 'eventstoredb',
        EVENTSTORE_URL: 'esdb://node1:2113?tls=false',
        EVENTSTORE_RETRY_BUDGET_MS: '30000',
        EVENTSTORE_DEADLINE_MS: '5000',
        LOG_LEVEL: 'warn',
        BODY_LIMIT_BYTES: '65536',
        MAX_BATCH_EVENTS: '10',
        LIVE_MAX_BUFFERED_BYTES: '65536',
        DECIDED_STATE_SNAPSHOT_EVERY: '0',
        DECIDED_STATE_WARM_UP: '0',
        VERIFY_THREADS: '1',
        DEMO_DATA: 'off',
        HEALTH_DETAILS: 'public',
      },
      '/ignored',
    );
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/var/lib/timeline',
      dashboardDir: '/opt/timeline/dashboard',
      eventStore: {
        kind: 'eventstoredb',
        connectionString: 'esdb://node1:2113?tls=false',
        retry: { budgetMs: 30_000 },
        deadlineMs: 5000,
      },
      logLevels: ['fatal', 'error', 'warn'],
      bodyLimitBytes: 65536,
      maxBatchEvents: 10,
      liveMaxBufferedBytes: 65536,
      decidedStateSnapshotEvery: 0,
      decidedStateWarmUp: 0,
      verifyThreads: 1,
      demoData: 'off',
      healthDetails: 'public',
      transparency: {
        treeFile: '/var/lib/timeline/merkle/leaves.bin',
        signingKeyPem: null,
        headsFile: null,
        webhookUrl: null,
        headIntervalMs: 300_000,
      },
    });
  });

  it('names every wrong variable in one error', () => {
    let error: unknown;
    try {
      loadApiConfig({
        PORT: 'eighty',
        EVENT_STORE: 'postgres',
        LOG_LEVEL: 'loud',
        BODY_LIMIT_BYTES: '12',
        MAX_BATCH_EVENTS: '0',
        DECIDED_STATE_SNAPSHOT_EVERY: '-1',
        DECIDED_STATE_WARM_UP: 'many',
        VERIFY_THREADS: '0',
        DEMO_DATA: 'yes',
        HEALTH_DETAILS: 'everyone',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      'PORT must be an integer from 0 to 65535; got "eighty"',
      'BODY_LIMIT_BYTES must be an integer from 1024 to 67108864; got "12"',
      'MAX_BATCH_EVENTS must be an integer from 1 to 10000; got "0"',
      'DECIDED_STATE_SNAPSHOT_EVERY must be an integer from 0 to 100000000; got "-1"',
      'DECIDED_STATE_WARM_UP must be an integer from 0 to 100000; got "many"',
      'VERIFY_THREADS must be an integer from 1 to 64; got "0"',
      'LOG_LEVEL must be one of error, warn, info, debug, verbose; got "loud"',
      'EVENT_STORE must be sqlite or eventstoredb; got "postgres"',
      'DEMO_DATA must be auto, on or off; got "yes"',
      'HEALTH_DETAILS must be public or admin; got "everyone"',
    ]);
  });

  it('requires EVENTSTORE_URL exactly when the store is EventStoreDB', () => {
    expect(() => loadApiConfig({ EVENT_STORE: 'eventstoredb' })).toThrow(
      'EVENTSTORE_URL is required when EVENT_STORE=eventstoredb',
    );
    expect(() => loadApiConfig({ EVENTSTORE_URL: 'esdb://localhost:2113' })).toThrow(
      'EVENTSTORE_URL is only used with EVENT_STORE=eventstoredb',
    );
    expect(() =>
      loadApiConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'http://localhost:2113' }),
    ).toThrow(
      'EVENTSTORE_URL must be an esdb:// or kurrentdb:// connection string; got "http://localhost:2113"',
    );
  });
});
