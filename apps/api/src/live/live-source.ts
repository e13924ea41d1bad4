import type { Observable } from 'rxjs';
import type { GlobalPosition } from '@timeline/event-store';

/** Something at a place in the global log. */
export interface Positioned<T> {
  readonly position: GlobalPosition;
  readonly item: T;
}

/** What a live stream is made of: the live items, how far they have got, and the backlog before them. */
export interface ResumableFeedSource<T> {
  /** Hot and in log order: what happens from the moment of subscription on. */
  readonly live$: Observable<Positioned<T>>;
  /** Everything up to this position can be read from `backlog` (null: nothing yet). */
  readonly livePosition: () => GlobalPosition | null;
  /** Pages of what lies after `after` (exclusive) up to `upTo` (inclusive), in log order. */
  readonly backlog: (
    after: GlobalPosition | undefined,
    upTo: GlobalPosition,
  ) => AsyncIterable<readonly Positioned<T>[]>;
}
