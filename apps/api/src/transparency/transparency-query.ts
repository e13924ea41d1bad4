import { InvalidTransparencyQueryError, type TransparencyFieldError } from './transparency.errors';

type RawQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Reads the named non-negative integer parameters of a query; unknown or
 * repeated parameters, and malformed values, are refused all at once.
 */
export function parseSizes<K extends string>(
  query: RawQuery,
  names: readonly K[],
  required: readonly K[] = [],
): Partial<Record<K, number>> {
  const errors: TransparencyFieldError[] = [];
  const result: Partial<Record<K, number>> = {};
  for (const key of Object.keys(query)) {
    if (!(names as readonly string[]).includes(key))
      errors.push({ path: key, constraint: 'whitelist', message: 'is not a parameter of this route' });
  }
  for (const name of names) {
    const raw = query[name];
    if (raw === undefined) {
      if (required.includes(name))
        errors.push({ path: name, constraint: 'isDefined', message: 'is required' });
      continue;
    }
    if (typeof raw !== 'string') {
      errors.push({ path: name, constraint: 'single', message: 'must be given once' });
    } else if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) {
      errors.push({ path: name, constraint: 'isTreeSize', message: 'must be a positive integer tree size' });
    } else result[name] = Number(raw);
  }
  if (errors.length > 0) throw new InvalidTransparencyQueryError(errors);
  return result;
}

/** Refuses a tree size beyond the tree. */
export function checkWithinTree(name: string, size: number, treeSize: number): void {
  if (size > treeSize)
    throw new InvalidTransparencyQueryError([
      { path: name, constraint: 'max', message: `must be at most ${treeSize}, the size of the tree` },
    ]);
}
