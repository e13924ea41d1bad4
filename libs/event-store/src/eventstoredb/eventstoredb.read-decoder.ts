import type { EventType, RecordedEvent, ResolvedEvent } from '@eventstore/db-client';

/**
 * Decodes one `ReadResp` of EventStoreDB's Streams.Read straight from the wire into the
 * client's `ResolvedEvent`, as the client's own conversion (`convertGrpcEvent`) shapes it —
 * without the generated protobuf classes' message objects, metadata map and string
 * positions in between, and with each event's JSON decoded once from the received bytes.
 * Reads of `$all` hand on thousands of events a second; the generic decoding was two thirds
 * of the api side's cost per event (bench/README.md, "EventStoreDB catch-up").
 * `eventstoredb.read-decoder.spec.ts` checks it against the client's decoding.
 *
 * Returns null for messages that carry no event (confirmation, checkpoint, positions).
 * Field numbers: streams.proto and shared.proto of EventStoreDB's gRPC protocol.
 */
export function decodeReadResponse(bytes: Buffer): ResolvedEvent<EventType> | null {
  const reader = new WireReader(bytes);
  let resolved: ResolvedEvent<EventType> | null = null;
  while (reader.more()) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === LENGTH_DELIMITED) resolved = readEvent(reader.sub());
    else reader.skip(wireType);
  }
  return resolved;
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;
const TICKS_PER_MILLISECOND = 10_000n;

/** ReadResp.ReadEvent: the event (1), the link that resolved to it (2), the commit position (3). */
function readEvent(reader: WireReader): ResolvedEvent<EventType> {
  const resolved: {
    event?: RecordedEvent<EventType>;
    link?: RecordedEvent<EventType>;
    commitPosition?: bigint;
  } = {};
  while (reader.more()) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === LENGTH_DELIMITED) resolved.event = readRecord(reader.sub());
    else if (field === 2 && wireType === LENGTH_DELIMITED) resolved.link = readRecord(reader.sub());
    else if (field === 3 && wireType === VARINT) resolved.commitPosition = reader.uint64();
    else reader.skip(wireType);
  }
  return resolved as ResolvedEvent<EventType>;
}

/** ReadResp.ReadEvent.RecordedEvent. */
function readRecord(reader: WireReader): RecordedEvent<EventType> {
  let id = '';
  let streamId: string | undefined;
  let revision = 0n;
  // proto3 leaves zeros off the wire: an absent position is 0, as the generated classes read it.
  let prepare = 0n;
  let commit = 0n;
  let type = '<no-event-type-provided>';
  let contentType = 'application/octet-stream';
  let created: string | undefined;
  let customMetadata: [number, number] = [0, 0];
  let data: [number, number] = [0, 0];
  while (reader.more()) {
    const [field, wireType] = reader.tag();
    if (wireType === VARINT && field >= 3 && field <= 5) {
      const value = reader.uint64();
      if (field === 3) revision = value;
      else if (field === 4) prepare = value;
      else commit = value;
    } else if (wireType !== LENGTH_DELIMITED) {
      reader.skip(wireType);
    } else if (field === 1) {
      id = readUuid(reader.sub());
    } else if (field === 2) {
      streamId = readStreamName(reader.sub());
    } else if (field === 6) {
      const [key, value] = readMapEntry(reader.sub());
      if (key === 'type') type = value;
      else if (key === 'content-type') contentType = value;
      else if (key === 'created') created = value;
    } else if (field === 7) {
      customMetadata = reader.range();
    } else if (field === 8) {
      data = reader.range();
    } else {
      reader.skip(wireType);
    }
  }
  if (streamId === undefined) {
    throw new Error('Impossible situation where streamIdentifier is undefined in a recorded event');
  }
  const isJson = contentType === 'application/json';
  return {
    streamId,
    id,
    revision,
    type,
    data: isJson ? parseJsonData(reader.bytes, data) : reader.bytes.subarray(data[0], data[1]),
    metadata:
      customMetadata[1] > customMetadata[0] ? parseJsonMetadata(reader.bytes, customMetadata) : undefined,
    isJson,
    created: new Date(created === undefined ? 0 : Number(BigInt(created) / TICKS_PER_MILLISECOND)),
    position: { commit, prepare },
  } as RecordedEvent<EventType>;
}

/** JSON data, or its text when it is not JSON (as the client does). */
function parseJsonData(bytes: Buffer, [start, end]: [number, number]): unknown {
  const text = bytes.toString('utf8', start, end);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** JSON metadata, or its bytes when it is not JSON (as the client does). */
function parseJsonMetadata(bytes: Buffer, [start, end]: [number, number]): unknown {
  try {
    return JSON.parse(bytes.toString('utf8', start, end));
  } catch {
    return bytes.subarray(start, end);
  }
}

/** UUID: a string (2), or two 64-bit halves (1: most, 2: least significant bits). */
function readUuid(reader: WireReader): string {
  let uuid = '';
  while (reader.more()) {
    const [field, wireType] = reader.tag();
    if (field === 2 && wireType === LENGTH_DELIMITED) uuid = reader.string();
    else if (field === 1 && wireType === LENGTH_DELIMITED) uuid = readStructuredUuid(reader.sub());
    else reader.skip(wireType);
  }
  return uuid;
}

function readStructuredUuid(reader: WireReader): string {
  let most = 0n;
  let least = 0n;
  while (reader.more()) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === VARINT) most = reader.uint64();
    else if (field === 2 && wireType === VARINT) least = reader.uint64();
    else reader.skip(wireType);
  }
  const hex = (BigInt.asUintN(64, most).toString(16).padStart(16, '0') +
    BigInt.asUintN(64, least).toString(16).padStart(16, '0')) as string;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** StreamIdentifier: the name's bytes (3). */
function readStreamName(reader: WireReader): string {
  let name = '';
  while (reader.more()) {
    const [field, wireType] = reader.tag();
    if (field === 3 && wireType === LENGTH_DELIMITED) name = reader.string();
    else reader.skip(wireType);
  }
  return name;
}

/** A map<string, string> entry: key (1), value (2). */
function readMapEntry(reader: WireReader): [string, string] {
  let key = '';
  let value = '';
  while (reader.more()) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === LENGTH_DELIMITED) key = reader.string();
    else if (field === 2 && wireType === LENGTH_DELIMITED) value = reader.string();
    else reader.skip(wireType);
  }
  return [key, value];
}

/** The protobuf wire format over one buffer, within [position, end). */
class WireReader {
  constructor(
    readonly bytes: Buffer,
    private position = 0,
    private readonly end = bytes.length,
  ) {}

  more(): boolean {
    return this.position < this.end;
  }

  tag(): [field: number, wireType: number] {
    const tag = this.varint();
    return [Math.floor(tag / 8), tag % 8];
  }

  /** A varint that fits a double exactly (tags, lengths). */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 49) throw new Error('protobuf: a length or tag beyond 2^53');
    }
  }

  uint64(): bigint {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.byte();
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, value);
      shift += 7n;
      if (shift > 63n) throw new Error('protobuf: a varint longer than 10 bytes');
    }
  }

  /** The [start, end) of a length-delimited field's content, skipped over. */
  range(): [number, number] {
    const length = this.varint();
    const start = this.position;
    if (start + length > this.end) throw new Error('protobuf: a field runs past its message');
    this.position = start + length;
    return [start, this.position];
  }

  sub(): WireReader {
    const [start, end] = this.range();
    return new WireReader(this.bytes, start, end);
  }

  string(): string {
    const [start, end] = this.range();
    return this.bytes.toString('utf8', start, end);
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.uint64();
    else if (wireType === LENGTH_DELIMITED) this.range();
    else if (wireType === FIXED64) this.advance(8);
    else if (wireType === FIXED32) this.advance(4);
    else throw new Error(`protobuf: unsupported wire type ${wireType}`);
  }

  private advance(count: number): void {
    if (this.position + count > this.end) throw new Error('protobuf: a field runs past its message');
    this.position += count;
  }

  private byte(): number {
    if (this.position >= this.end) throw new Error('protobuf: a message ends inside a varint');
    return this.bytes[this.position++];
  }
}
