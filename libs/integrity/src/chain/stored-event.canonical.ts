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
  const envelope = canonicalMembers(event.metadata);
  const data = `"data":${canonicalJson(event.data)}`;
  const eventId = `"eventId":${canonicalJson(event.eventId)}`;
  const type = `"type":${canonicalJson(event.type)}`;
  const own: Member[] = [
    ['data', data],
    ['eventId', eventId],
    ['position', `"position":${canonicalJson(position)}`],
    ['type', type],
  ];
  // Both lists are sorted; merge them, leaving out the envelope's members the line's own replace.
  let line = '{';
  let e = 0;
  for (const [name, text] of own) {
    for (; e < envelope.length && envelope[e][0] <= name; e += 1) {
      if (envelope[e][0] !== name) line += `${envelope[e][1]},`;
    }
    line += `${text},`;
  }
  for (; e < envelope.length; e += 1) line += `${envelope[e][1]},`;
  return {
    hashedContent: hashedContentFrom(event, envelope, data, eventId, type),
    exportLine: `${line.slice(0, -1)}}`,
  };
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
