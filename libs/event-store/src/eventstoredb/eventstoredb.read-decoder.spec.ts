import fc from 'fast-check';
import { convertGrpcEvent } from '@eventstore/db-client/dist/utils/convertGrpcEvent';
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { decodeReadResponse } from './eventstoredb.read-decoder';

// Differential: whatever the server sends, the adapter's decoding of a read response is the
// client's own (generated classes + convertGrpcEvent), field for field.

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

const record = fc.record({
  id: fc.oneof(
    fc.uuid({ version: 4 }).map((id) => ({ string: id })),
    // The same UUIDs as two signed 64-bit halves, as a server configured for structured ids sends them.
    fc.uuid({ version: 4 }).map((id) => {
      const hex = id.replaceAll('-', '');
      return {
        most: BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)),
        least: BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)),
      };
    }),
  ),
  streamName: fc.string({ unit: 'grapheme', maxLength: 40 }),
  revision: u64,
  prepare: u64,
  commit: u64,
  type: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
  contentType: fc.constantFrom('application/json', 'application/octet-stream', undefined),
  created: fc.option(fc.bigInt({ min: 0n, max: 2n ** 62n }), { nil: undefined }),
  data: fc.oneof(
    fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
  ),
  customMetadata: fc.oneof(
    fc.constant(Buffer.alloc(0)),
    fc
      .dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))
      .map((value) => Buffer.from(JSON.stringify(value))),
    fc.uint8Array({ minLength: 1, maxLength: 20 }).map((bytes) => Buffer.from(bytes)),
  ),
});

type Record = typeof record extends fc.Arbitrary<infer T> ? T : never;

function grpcRecord(value: Record): ReadResp.ReadEvent.RecordedEvent {
  const uuid = new UUID();
  if ('string' in value.id) uuid.setString(value.id.string);
  else {
    uuid.setStructured(
      new UUID.Structured()
        .setMostSignificantBits(value.id.most.toString())
        .setLeastSignificantBits(value.id.least.toString()),
    );
  }
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(uuid)
    .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(value.streamName)))
    .setStreamRevision(value.revision.toString())
    .setPreparePosition(value.prepare.toString())
    .setCommitPosition(value.commit.toString())
    .setCustomMetadata(value.customMetadata)
    .setData(value.data);
  const metadata = recorded.getMetadataMap();
  if (value.type !== undefined) metadata.set('type', value.type);
  if (value.contentType !== undefined) metadata.set('content-type', value.contentType);
  if (value.created !== undefined) metadata.set('created', value.created.toString());
  return recorded;
}

/** Byte arrays compare by content, whatever their class (Buffer, Uint8Array). */
function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (value instanceof Date) return { date: value.getTime() };
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, comparable(item)]));
  }
  return value;
}

describe('decodeReadResponse', () => {
  it('decodes every read response as the client does', () => {
    fc.assert(
      fc.property(
        record,
        fc.option(record, { nil: undefined }),
        fc.option(u64, { nil: undefined }),
        (event, link, commitPosition) => {
          const readEvent = new ReadResp.ReadEvent().setEvent(grpcRecord(event));
          if (link) readEvent.setLink(grpcRecord(link));
          if (commitPosition === undefined) readEvent.setNoPosition(new Empty());
          else readEvent.setCommitPosition(commitPosition.toString());
          const bytes = Buffer.from(new ReadResp().setEvent(readEvent).serializeBinary());
          const expected = convertGrpcEvent(ReadResp.deserializeBinary(bytes).getEvent()!);
          expect(comparable(decodeReadResponse(bytes))).toEqual(comparable(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers null for a message that carries no event', () => {
    const checkpoint = new ReadResp().setCheckpoint(
      new ReadResp.Checkpoint().setCommitPosition('7').setPreparePosition('7'),
    );
    expect(decodeReadResponse(Buffer.from(checkpoint.serializeBinary()))).toBeNull();
    const confirmation = new ReadResp().setConfirmation(
      new ReadResp.SubscriptionConfirmation().setSubscriptionId('s'),
    );
    expect(decodeReadResponse(Buffer.from(confirmation.serializeBinary()))).toBeNull();
  });

  it('refuses a truncated message rather than decode past its end', () => {
    const bytes = Buffer.from(
      new ReadResp()
        .setEvent(
          new ReadResp.ReadEvent().setEvent(
            grpcRecord({
              id: { string: '0b5c1ea4-0a4e-4a38-9c5e-2f0f3d3c1d11' },
              streamName: 'operation-1',
              revision: 3n,
              prepare: 10n,
              commit: 10n,
              type: 'OperationLaunched',
              contentType: 'application/json',
              created: 638_000_000_000_000_000n,
              data: Buffer.from('{"a":1}'),
              customMetadata: Buffer.alloc(0),
            }),
          ),
        )
        .serializeBinary(),
    );
    expect(() => decodeReadResponse(bytes.subarray(0, bytes.length - 3))).toThrow(/protobuf/);
  });
});
