/**
 * One shared instance per distinct string of a small vocabulary (event types,
 * agencies, operation ids, principals, markings). A large read model holds each
 * such value once instead of once per event, which matters at a million events.
 * Only for low-cardinality values: the table is never pruned, so it stops growing
 * past `LIMIT` distinct strings and then hands values back unshared.
 */
const table = new Map<string, string>();
const LIMIT = 100_000;

export function intern<T extends string>(value: T): T {
  const shared = table.get(value) as T | undefined;
  if (shared !== undefined) return shared;
  if (table.size < LIMIT) table.set(value, value);
  return value;
}
