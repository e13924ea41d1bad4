import type { GlobalLogFilter } from '../event-store.port';

/**
 * The one expression an EventStoreDB `$all` filter can carry: on event types
 * or on stream names, as a regular expression or a list of prefixes.
 */
export type ServerFilter =
  | { readonly on: 'event-type' | 'stream-name'; readonly regex: string }
  | { readonly on: 'event-type' | 'stream-name'; readonly prefixes: readonly string[] };

export interface FilterPlan {
  /** Sent to the server, so that what cannot match never crosses the wire. */
  readonly server: ServerFilter;
  /** The port's whole filter, applied to what the server sends: the second dimension, and a guard. */
  accepts(event: { readonly type: string; readonly streamName: string }): boolean;
}

/** Events the store writes for itself (`$metadata`, `$>` links, `$streamDeleted`, user and settings records). */
export function isSystemEventType(type: string): boolean {
  return type.startsWith('$');
}

/**
 * Turns the port's filter (stream prefixes AND event types, never system
 * events) into a server-side filter plus the predicate that completes it.
 * EventStoreDB filters on one dimension per request, so the more selective one
 * goes to the server: event types when given (an exact-name regex that can
 * never match a `$` type), otherwise the stream prefixes, otherwise the regex
 * that excludes system events. An empty list matches nothing, as in SQL's `IN ()`.
 */
export function planFilter(filter: GlobalLogFilter | undefined): FilterPlan {
  const types = filter?.eventTypes;
  const prefixes = filter?.streamNamePrefixes;
  const typeSet = types ? new Set(types) : null;
  const accepts = (event: { readonly type: string; readonly streamName: string }): boolean =>
    !isSystemEventType(event.type) &&
    (typeSet === null || typeSet.has(event.type)) &&
    (prefixes === undefined || prefixes.some((prefix) => event.streamName.startsWith(prefix)));

  if (types !== undefined) {
    const userTypes = types.filter((type) => !isSystemEventType(type));
    // `(?!)` never matches: the server then sends nothing but checkpoints.
    const alternatives = userTypes.length > 0 ? userTypes.map(escapeRegex).join('|') : '(?!)';
    return { server: { on: 'event-type', regex: `^(?:${alternatives})$` }, accepts };
  }
  if (prefixes !== undefined && prefixes.length > 0 && prefixes.every((prefix) => prefix.length > 0)) {
    return { server: { on: 'stream-name', prefixes: [...prefixes] }, accepts };
  }
  if (prefixes !== undefined && prefixes.length === 0) {
    return { server: { on: 'event-type', regex: '^(?!)$' }, accepts };
  }
  return { server: { on: 'event-type', regex: '^[^$]' }, accepts };
}

/** Exactly one stream, as a stream-name regex. */
export function exactStreamFilter(streamName: string): ServerFilter {
  return { on: 'stream-name', regex: `^${escapeRegex(streamName)}$` };
}

/** Escapes for both JavaScript and .NET regular expressions (the server is .NET). */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
}
