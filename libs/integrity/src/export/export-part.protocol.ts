import type { EventStoreOptions } from '@timeline/event-store/event-store.factory';
import type { ExportPart, ExportPartRange } from './export-part';

/** What a thread exporting parts of one operation starts with. */
export interface ExportPartThreadData {
  readonly store: EventStoreOptions;
  readonly operationId: string;
  readonly pageSize?: number;
}

/** To the thread: export this range next, or nothing more is to come (close the store and exit). */
export type ToExportPartThread =
  { readonly t: 'range'; readonly index: number; readonly range: ExportPartRange } | { readonly t: 'end' };

/**
 * From the thread, for each range in turn: its lines as chunks of UTF-8 in order
 * (each chunk's memory moved, not copied), then its figures; or why it failed.
 */
export type FromExportPartThread =
  | { readonly t: 'chunk'; readonly index: number; readonly bytes: Uint8Array }
  | { readonly t: 'part'; readonly index: number; readonly part: ExportPart }
  | { readonly t: 'failed'; readonly message: string };
