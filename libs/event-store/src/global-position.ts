/**
 * A place in the global log. EventStoreDB orders `$all` by the pair
 * (commit, prepare); the embedded store uses one sequence for both. Positions
 * are compared with `comparePositions` and cross process boundaries (HTTP,
 * SSE `Last-Event-ID`, checkpoints) as the string of `formatPosition`.
 */
export interface GlobalPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export function positionOf(sequence: bigint | number): GlobalPosition {
  const value = BigInt(sequence);
  return { commit: value, prepare: value };
}

export function comparePositions(a: GlobalPosition, b: GlobalPosition): -1 | 0 | 1 {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function isAfter(a: GlobalPosition, b: GlobalPosition | null | undefined): boolean {
  return b == null || comparePositions(a, b) > 0;
}

/** `"42"` when commit and prepare agree, `"42/40"` otherwise. Lossless. */
export function formatPosition(position: GlobalPosition): string {
  return position.commit === position.prepare
    ? position.commit.toString()
    : `${position.commit}/${position.prepare}`;
}

const POSITION_PATTERN = /^(\d{1,20})(?:\/(\d{1,20}))?$/;
const MAX_U64 = (1n << 64n) - 1n;

/** Parses what `formatPosition` wrote; returns null for anything else. */
export function parsePosition(text: string): GlobalPosition | null {
  const match = POSITION_PATTERN.exec(text.trim());
  if (!match) return null;
  const commit = BigInt(match[1]);
  const prepare = match[2] === undefined ? commit : BigInt(match[2]);
  if (commit > MAX_U64 || prepare > MAX_U64) return null;
  return { commit, prepare };
}
