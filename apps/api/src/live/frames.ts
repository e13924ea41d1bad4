import type { GlobalPosition } from '@timeline/event-store';
import type { Positioned } from './live-source';
import type { SseMessage } from './sse-channel';

/** One pushed item's frame, encoded once for every member of a shared feed. */
export interface EncodedFrame {
  readonly position: GlobalPosition;
  readonly id: string | undefined;
  readonly frame: Buffer;
}

/**
 * Consecutive items as one shared feed sends them (live, or a backlog page): the frames of the items
 * that have a message, and the range of positions covered (items that had no
 * message for this feed included, so that a member's resume point moves past
 * them too).
 */
export interface FrameBatch {
  readonly first: GlobalPosition;
  readonly last: GlobalPosition;
  readonly frames: readonly EncodedFrame[];
  /** Every frame joined, in order: what a member that sent none of them writes, in one write. */
  readonly bytes: Buffer;
  /** The id of the last frame that has one. */
  readonly lastId: string | undefined;
}

/** What a shared feed's items are made into: the message for an item, or null when its members are not to see it. */
export type MessageOf<T> = (item: Positioned<T>) => SseMessage | null | Promise<SseMessage | null>;

/** The id of the last frame that has one. */
export function lastIdOf(frames: readonly EncodedFrame[]): string | undefined {
  for (let index = frames.length - 1; index >= 0; index -= 1) {
    if (frames[index].id !== undefined) return frames[index].id;
  }
  return undefined;
}
