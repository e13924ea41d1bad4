import { hash } from 'node:crypto';
import { formatPosition, type RecordedEvent } from '@timeline/event-store/port';
import { canonicalJson } from '@timeline/kernel';

/**
 * A stored event's canonical texts, each member canonicalised once and shared:
 * what its hash covers, and its line in an export.
 */
export interface CanonicalStoredEvent {
  /**
   * The canonical JSON the event's hash covers: `{ data, envelope, eventId, type }`
   * with the stored envelope (its metadata) without `hash`, as `computeEventHash` writes it.
   */
  readonly hashedContent: string;
  /** `canonicalJson(toTimelineEvent(event))`: the event's line in an export, without its newline. */
  readonly exportLine: string;
}

/** SHA-256 (hex) of an event's hashed content: the hash its envelope is sealed with. */
export function eventHashOf(hashedContent: string): string {
  return hash('sha256', hashedContent, 'hex');
}

/** `canonicalJson({ data, envelope: metadata without hash, eventId, type })`, without copying the envelope. */
export function hashedContentOf(event: RecordedEvent): string {
  return hashedContentFrom(event, canonicalMembers(event.metadata));
}

/**
 * Both canonical texts of a stored event from one canonicalisation of its data
 * and of each envelope member. The export line's members are those of
 * `toTimelineEvent`: the store's id, type, position and data, and every other
 * member of the stored metadata.
 * @param position the event's position as `formatPosition` writes it, when the caller has it already.
 */
export function canonicalFormsOf(
  event: RecordedEvent,
  position: string = formatPosition(event.position),
): CanonicalStoredEvent {
  const { metadata } = event;
  const shape = envelopeShapeOf(Object.keys(metadata));
  const data = canonicalJson(event.data);
  const eventId = canonicalJson(event.eventId);
  const type = canonicalJson(event.type);
  const own = [
    `"data":${data}`,
    `"eventId":${eventId}`,
    `"position":${canonicalJson(position)}`,
    `"type":${type}`,
  ];
  // One pass over the sorted envelope: its members in the hashed content, and merged with the line's own.
  let covered = '';
  let line = '{';
  let next = 0;
  for (let index = 0; index < shape.sorted.length; index += 1) {
    const value = metadata[shape.sorted[index]];
    for (; next < shape.ownBefore[index]; next += 1) line += `${own[next]},`;
    if (value === undefined) continue;
    const member = shape.names[index] + canonicalJson(value);
    if (!shape.isHash[index]) covered += covered ? `,${member}` : member;
    if (!shape.replaced[index]) line += `${member},`;
  }
  for (; next < own.length; next += 1) line += `${own[next]},`;
  return {
    hashedContent: `{"data":${data},"envelope":{${covered}},"eventId":${eventId},"type":${type}}`,
    exportLine: `${line.slice(0, -1)}}`,
  };
}

/** The export line's own members, sorted: they replace envelope members of the same name. */
const OWN_MEMBERS = ['data', 'eventId', 'position', 'type'] as const;

/**
 * What canonicalising an envelope of given member names needs, worked out once
 * for a run of events with the same names in the same order (a stream's events
 * nearly always are): the names sorted, each written as `"name":`, and where
 * the export line's own members fall among them.
 */
interface EnvelopeShape {
  readonly keys: readonly string[];
  readonly sorted: readonly string[];
  readonly names: readonly string[];
  /** Own members (OWN_MEMBERS) that come before each sorted name in the line. */
  readonly ownBefore: readonly number[];
  readonly replaced: readonly boolean[];
  readonly isHash: readonly boolean[];
}

let lastShape: EnvelopeShape | null = null;

function envelopeShapeOf(keys: readonly string[]): EnvelopeShape {
  const last = lastShape;
  if (last && last.keys.length === keys.length) {
    let same = true;
    for (let index = 0; same && index < keys.length; index += 1) same = last.keys[index] === keys[index];
    if (same) return last;
  }
  const sorted = [...keys].sort();
  const shape: EnvelopeShape = {
    keys,
    sorted,
    names: sorted.map((key) => `${canonicalJson(key)}:`),
    ownBefore: sorted.map((key) => OWN_MEMBERS.filter((own) => own <= key).length),
    replaced: sorted.map((key) => (OWN_MEMBERS as readonly string[]).includes(key)),
    isHash: sorted.map((key) => key === 'hash'),
  };
  lastShape = shape;
  return shape;
}

/** A member's name and its canonical text, `"name":value`, as it stands in its object. */
type Member = readonly [string, string];

function canonicalMembers(object: Readonly<Record<string, unknown>>): Member[] {
  const members: Member[] = [];
  for (const key of Object.keys(object).sort()) {
    const value = object[key];
    if (value !== undefined) members.push([key, `${canonicalJson(key)}:${canonicalJson(value)}`]);
  }
  return members;
}

function hashedContentFrom(
  event: RecordedEvent,
  envelope: readonly Member[],
  data = `"data":${canonicalJson(event.data)}`,
  eventId = `"eventId":${canonicalJson(event.eventId)}`,
  type = `"type":${canonicalJson(event.type)}`,
): string {
  let covered = '';
  for (const [name, text] of envelope) if (name !== 'hash') covered += covered ? `,${text}` : text;
  return `{${data},"envelope":{${covered}},${eventId},${type}}`;
}
