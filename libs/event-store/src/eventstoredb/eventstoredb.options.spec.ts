import {
  EventStoreDbConfigurationError,
  redactConnectionString,
  resolveEventStoreDbOptions,
} from './eventstoredb.options';

describe('resolveEventStoreDbOptions', () => {
  it('fills the documented defaults', () => {
    expect(resolveEventStoreDbOptions({ connectionString: 'esdb://localhost:2113?tls=false' })).toEqual({
      connectionString: 'esdb://localhost:2113?tls=false',
      duplicateEventIdCheck: 'suspected-retries',
      eventIdCacheSize: 100_000,
      catchUpPageSize: 1000,
      deadlineMs: 10_000,
      retry: { budgetMs: 15_000, initialDelayMs: 50, maxDelayMs: 1000 },
      requireLeader: true,
      closeGraceMs: 5000,
      resubscribe: { initialDelayMs: 100, maxDelayMs: 5000, maxAttempts: 20 },
    });
  });

  it('accepts kurrentdb:// and cluster strings with credentials', () => {
    expect(
      resolveEventStoreDbOptions({
        connectionString: 'kurrentdb+discover://admin:changeit@cluster.internal:2113',
      }).connectionString,
    ).toBe('esdb+discover://admin:changeit@cluster.internal:2113');
    expect(
      resolveEventStoreDbOptions({
        connectionString: 'esdb://a:2113,b:2113,c:2113?tls=true&nodePreference=leader',
      }).connectionString,
    ).toBe('esdb://a:2113,b:2113,c:2113?tls=true&nodePreference=leader');
  });

  it.each([
    [{ connectionString: 'http://localhost:2113' }, 'the connection string must start with esdb://'],
    [{ connectionString: '' }, 'the connection string must start with esdb://'],
    [{ connectionString: 'esdb://localhost:2113?tls=maybe' }, 'the connection string is not valid'],
    [
      { connectionString: 'esdb://localhost:2113?tlsCAFile=/nonexistent/ca.crt' },
      'Failed to load certificate file',
    ],
    [
      { connectionString: 'esdb://localhost:2113', retry: { budgetMs: -1 } },
      'retry.budgetMs must be an integer ≥ 0, got -1',
    ],
    [
      { connectionString: 'esdb://localhost:2113', deadlineMs: 0 },
      'deadlineMs must be an integer ≥ 1, got 0',
    ],
    [
      { connectionString: 'esdb://localhost:2113', requireLeader: 'yes' as never },
      'requireLeader must be true or false, got yes',
    ],
    [
      { connectionString: 'esdb://localhost:2113', resubscribe: { maxAttempts: 0 } },
      'resubscribe.maxAttempts must be an integer ≥ 1, got 0',
    ],
    [
      { connectionString: 'esdb://localhost:2113', duplicateEventIdCheck: 'never' as never },
      "duplicateEventIdCheck must be 'suspected-retries' or 'every-append'",
    ],
  ])('refuses %j', (options, message) => {
    const attempt = () => resolveEventStoreDbOptions(options);
    expect(attempt).toThrow(EventStoreDbConfigurationError);
    expect(attempt).toThrow(message);
  });

  it('redacts credentials for display', () => {
    expect(redactConnectionString('esdb://admin:changeit@node1:2113,node2:2113?tls=true')).toBe(
      'esdb://node1:2113,node2:2113?tls=true',
    );
  });
});
