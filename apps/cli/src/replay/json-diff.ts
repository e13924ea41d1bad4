/** Paths (`a.b[2].c`) where two JSON values differ, in document order, at most `limit` of them. */
export function jsonDifferences(left: unknown, right: unknown, limit = 20): string[] {
  const found: string[] = [];
  walk(left, right, '$', found, limit);
  return found;
}

function walk(left: unknown, right: unknown, path: string, found: string[], limit: number): void {
  if (found.length >= limit) return;
  if (Array.isArray(left) && Array.isArray(right)) {
    if (left.length !== right.length) found.push(`${path} (length ${left.length} vs ${right.length})`);
    for (let i = 0; i < Math.min(left.length, right.length); i += 1)
      walk(left[i], right[i], `${path}[${i}]`, found, limit);
    return;
  }
  if (isObject(left) && isObject(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    for (const key of keys) {
      if (!(key in left)) found.push(`${path}.${key} (only in the second)`);
      else if (!(key in right)) found.push(`${path}.${key} (only in the first)`);
      else walk(left[key], right[key], `${path}.${key}`, found, limit);
      if (found.length >= limit) return;
    }
    return;
  }
  if (JSON.stringify(left) !== JSON.stringify(right)) {
    found.push(`${path} (${JSON.stringify(left)} vs ${JSON.stringify(right)})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
