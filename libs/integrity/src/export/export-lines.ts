import type { JsonObject } from '@timeline/kernel';
import { parsePosition, type GlobalPosition } from '@timeline/event-store/port';

export type ExportProblemCode =
  | 'manifest-unreadable'
  | 'manifest-format'
  | 'sha256-mismatch'
  | 'size-mismatch'
  | 'line-unparsable'
  | 'chain-broken'
  | 'position-out-of-order'
  | 'out-of-scope'
  | 'count-mismatch'
  | 'counts-by-type-mismatch'
  | 'boundary-mismatch'
  | 'chain-heads-mismatch'
  /** An exported event is not a leaf of the export's tree head where its proof says. */
  | 'inclusion-proof-fails'
  /** Proofs left over or missing, or a tree head the trusted key did not sign. */
  | 'inclusion-mismatch';

export interface ExportProblem {
  readonly code: ExportProblemCode;
  readonly message: string;
  /** 1-based line of the NDJSON the problem was found at, when it is about one line. */
  readonly line?: number;
}

export interface ParsedLine {
  line: JsonObject;
  type: string;
  position: GlobalPosition;
  positionText: string;
}

/** One NDJSON line of an export as an event, or why it is not one. */
export function parseEventLine(text: string): ParsedLine | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const line = value as JsonObject;
  if (typeof line.type !== 'string' || typeof line.eventId !== 'string') return 'no eventId or type';
  if (line.data === null || typeof line.data !== 'object' || Array.isArray(line.data))
    return 'no data object';
  const position = typeof line.position === 'string' ? parsePosition(line.position) : null;
  if (!position) return `no valid position: ${JSON.stringify(line.position)}`;
  return { line, type: line.type, position, positionText: line.position as string };
}
