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
 */
export function canonicalFormsOf(event: RecordedEvent): CanonicalStoredEvent {
  const envelope = canonicalMembers(event.metadata);
  const data = canonicalJson(event.data);
  const own: Member[] = [
    ['data', data],
    ['eventId', canonicalJson(event.eventId)],
    ['position', canonicalJson(formatPosition(event.position))],
    ['type', canonicalJson(event.type)],
  ];
  const members = envelope.filter(([key]) => !OWN_MEMBERS.has(key));
  // Both lists are sorted; merge them.
  const line: Member[] = [];
  let e = 0;
  for (const member of own) {
    while (e < members.length && members[e][0] < member[0]) line.push(members[e++]);
    if (member[1] !== undefined) line.push(member);
  }
  while (e < members.length) line.push(members[e++]);
  return { hashedContent: hashedContentFrom(event, envelope, data), exportLine: objectText(line) };
}

/** A member's name and its value's canonical JSON (undefined for a member canonical JSON drops). */
type Member = readonly [string, string | undefined];

/** Members of an export line that come from the store, not the stored envelope (toTimelineEvent). */
const OWN_MEMBERS = new Set(['data', 'eventId', 'position', 'type']);

function canonicalMembers(object: Readonly<Record<string, unknown>>): Member[] {
  const members: Member[] = [];
  for (const key of Object.keys(object).sort()) {
    const value = object[key];
    if (value !== undefined) members.push([key, canonicalJson(value)]);
  }
  return members;
}

function hashedContentFrom(
  event: RecordedEvent,
  envelope: readonly Member[],
  data: string = canonicalJson(event.data),
): string {
  return objectText([
    ['data', data],
    ['envelope', objectText(envelope.filter(([key]) => key !== 'hash'))],
    ['eventId', canonicalJson(event.eventId)],
    ['type', canonicalJson(event.type)],
  ]);
}

/** The canonical JSON of an object from its members, sorted by name, with their canonical values. */
function objectText(members: readonly Member[]): string {
  let out = '{';
  for (const [key, text] of members) {
    if (text === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${canonicalJson(key)}:${text}`;
  }
  return `${out}}`;
}
