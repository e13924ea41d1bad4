/**
 * Messages between the store (main thread) and its read-ahead thread. Pages
 * cross as SQLite's raw rows; the main thread converts the ones it takes.
 */
import type { Row, SequentialRead } from './sqlite.reader';

export interface ReadAheadInit {
  readonly file: string;
}

export type ToReadAhead =
  /**
   * Read `pages` pages of `limit` events of `read` from `from` (the log: after that seq; a stream:
   * from that revision), in order, one page per message.
   */
  | {
      readonly t: 'start';
      readonly cursor: number;
      readonly read: SequentialRead;
      readonly from: number;
      readonly limit: number;
      readonly pages: number;
    }
  /** One page of the cursor was taken: read one more. */
  | { readonly t: 'more'; readonly cursor: number }
  | { readonly t: 'cancel'; readonly cursor: number };

export type FromReadAhead =
  | { readonly t: 'ready' }
  /** A page read in one snapshot from `from`; a short one (fewer than `limit` rows) ends the cursor. */
  | { readonly t: 'page'; readonly cursor: number; readonly from: number; readonly rows: Row[] }
  | { readonly t: 'failed'; readonly cursor: number | null; readonly message: string };
