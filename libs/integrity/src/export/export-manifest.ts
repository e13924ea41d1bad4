import type { ChainBreak } from '../verify/chain-verifier';
import type { ExportInclusion } from './export-inclusion';
import type { StreamHead } from '../verify/store-verification';

export const EXPORT_FORMAT = 'operation-timeline.evidential-export';
export const EXPORT_FORMAT_VERSION = 1;

/** How each event's hash is computed, stated in every manifest so the export can be checked without this software. */
export const HASHING_RULE =
  'hash = SHA-256 (hex) of the UTF-8 canonical JSON (RFC 8785 style: keys sorted by UTF-16 code unit at every depth, no ' +
  'whitespace, strings and numbers as ECMAScript JSON.stringify writes them, i.e. as they appear in the export) of ' +
  '{ eventId, type, data, envelope } where envelope is every member of the exported line except eventId, type, data, ' +
  'position, hash and withheld; prevHash of revision 0 is 64 zeros, of revision n the hash of revision n-1 of the same operation. ' +
  'A line with "withheld": true carries a marker instead of its data (handling code C): its hash is as stored and cannot be ' +
  'recomputed by this reader, but its revision and both links of the chain through it are checked.';

/** What an export covers: one operation's stream, or every operation of the log. */
export type ExportScope =
  { readonly kind: 'operation'; readonly operationId: string } | { readonly kind: 'log' };

export interface ExportBoundary {
  /** Global position (`formatPosition`). */
  readonly position: string;
  /** The event's `recordedAt`, or null when its envelope has none. */
  readonly recordedAt: string | null;
}

/** Who made an export and with what, supplied by the edge that runs it. */
export interface ExportProvenance {
  /** ISO 8601 time the export started (its "as at"). */
  readonly exportedAt: string;
  /** The principal (or OS user, for the CLI) who exported. */
  readonly exportedBy: string;
  readonly software: SoftwareIdentity;
}

export interface SoftwareIdentity {
  readonly name: string;
  readonly version: string;
}

/**
 * The manifest of an evidential export. The NDJSON holds one event per line in
 * the TimelineEvent shape, serialised as canonical JSON and ordered by global
 * position; `ndjson.sha256` is over exactly those bytes (every line ends in `\n`).
 */
export interface ExportManifest {
  readonly format: typeof EXPORT_FORMAT;
  readonly formatVersion: typeof EXPORT_FORMAT_VERSION;
  readonly scope: ExportScope;
  readonly exportedAt: string;
  readonly exportedBy: string;
  readonly software: SoftwareIdentity;
  /** Head of the log (or stream) when the export started; later events are not included. */
  readonly upToPosition: string | null;
  readonly events: number;
  /** Events whose data the exporter was not entitled to see, exported as `withheld` lines (hash kept, data replaced). */
  readonly withheld: number;
  /** Events per type, keys sorted. */
  readonly countsByType: Readonly<Record<string, number>>;
  readonly first: ExportBoundary | null;
  readonly last: ExportBoundary | null;
  /**
   * The chains as recomputed while exporting: each operation's head (revision
   * and hash, ordered by operation id), or the first broken link when the store
   * was already damaged — the export then still holds every event as stored.
   */
  readonly chain:
    | { readonly intact: true; readonly heads: readonly StreamHead[] }
    | { readonly intact: false; readonly brokenAt: ChainBreak };
  readonly ndjson: { readonly sha256: string; readonly bytes: number; readonly lines: number };
  readonly hashing: string;
  /**
   * Present when the export was taken against a signed tree head: the head and
   * each covered event's inclusion proof in it (docs/merkle-log.md).
   */
  readonly inclusion?: ExportInclusion;
}

/** The final line of the single-file (HTTP) layout: the manifest wrapped so it cannot be mistaken for an event. */
export function manifestLine(manifest: ExportManifest): string {
  return `${JSON.stringify({ manifest })}\n`;
}
