import { readFileSync } from 'node:fs';
import { EventStoreDBClient } from '@eventstore/db-client';
import { discoverEndpoint } from '@eventstore/db-client/dist/Client/discovery';
import { convertGrpcEvent } from '@eventstore/db-client/dist/utils/convertGrpcEvent';
import { convertToCommandError } from '@eventstore/db-client/dist/utils/CommandError';
import { isClientCancellationError } from '@eventstore/db-client/dist/utils/isClientCancellationError';
import { ReadReq } from '@eventstore/db-client/generated/streams_pb';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import { credentials, status } from '@grpc/grpc-js';
import { isDiscoveryFailure } from './eventstoredb.client-internals';

// What eventstoredb.client-internals.ts takes from @eventstore/db-client beyond its public
// API, checked against the installed client: an upgrade that moves any of it fails here,
// before the adapter fails in production.

interface Internals {
  GRPCStreamCreator: unknown;
  getChannel: unknown;
  getGRPCClient: unknown;
  handleError: unknown;
  callArguments: (
    options: { deadline?: number; requiresLeader?: boolean },
    callOptions?: { deadline?: number },
  ) => [{ get(key: string): unknown[] }, { deadline?: Date | number }];
}

describe('@eventstore/db-client internals the adapter relies on', () => {
  const client = EventStoreDBClient.connectionString('esdb://127.0.0.1:1?tls=false') as unknown as Internals;

  it('is the client version the internals were written against (6.2.x)', () => {
    const manifest = JSON.parse(
      readFileSync(require.resolve('@eventstore/db-client/package.json'), 'utf8'),
    ) as { version: string };
    expect(manifest.version).toMatch(/^6\.2\.\d+$/);
  });

  it('has the protected members the filtered read and the endpoint use', () => {
    expect(typeof client.GRPCStreamCreator).toBe('function');
    expect(typeof client.getChannel).toBe('function');
    expect(typeof client.callArguments).toBe('function');
    expect(typeof client.getGRPCClient).toBe('function');
    expect(typeof client.handleError).toBe('function');
  });

  it('turns the per-call settings into the requires-leader header and a deadline', () => {
    const before = Date.now();
    const [metadata, options] = client.callArguments({ deadline: 1234, requiresLeader: true });
    expect(metadata.get('requires-leader')).toEqual(['true']);
    expect(options.deadline).toBeInstanceOf(Date);
    const deadline = (options.deadline as Date).getTime();
    expect(deadline).toBeGreaterThanOrEqual(before + 1234);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 1234);
    const [withoutLeader] = client.callArguments({});
    expect(withoutLeader.get('requires-leader')).toEqual([]);
  });

  it('ships the generated messages and converters the filtered read builds and decodes', () => {
    expect(typeof new ReadReq.Options.FilterOptions().setCheckpointintervalmultiplier).toBe('function');
    expect(typeof StreamsClient).toBe('function');
    expect(typeof convertGrpcEvent).toBe('function');
    expect(typeof convertToCommandError).toBe('function');
    const cancelled = Object.assign(new Error('Cancelled'), {
      code: status.CANCELLED,
      details: 'Cancelled on client',
    });
    expect(isClientCancellationError(cancelled)).toBe(true);
  });

  it('recognises the error of a discovery that found no usable node', async () => {
    const error = await discoverEndpoint(
      {
        endpoints: [{ address: '127.0.0.1', port: 1 }],
        maxDiscoverAttempts: 1,
        discoveryInterval: 1,
        gossipTimeout: 1,
      },
      credentials.createInsecure(),
    ).then(
      () => new Error('discovery unexpectedly succeeded'),
      (failure: unknown) => failure,
    );
    expect(isDiscoveryFailure(error)).toBe(true);
    expect(isDiscoveryFailure(new Error('Failed to connect'))).toBe(false);
  });
});
