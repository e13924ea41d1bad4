import { comparePositions, formatPosition, type GlobalPosition } from '@timeline/event-store';
import type { Positioned, ResumableFeedSource } from './live-source';
import { lastIdOf, type EncodedFrame, type FrameBatch, type MessageOf } from './frames';
import { encodeFrame } from './sse-channel';

/** Backlog reads left open where a page ended, for the next client that continues from there. */
const MAX_PARKED_READS = 16;

/** A page of a feed's backlog: the frames of the items after `after` up to `batch.last`, all of them. */
interface BacklogPage {
  readonly after: GlobalPosition | undefined;
  readonly batch: FrameBatch;
}

/** A backlog read of the source, paused after a page; it goes on from there up to `upTo`. */
interface ParkedRead<T> {
  readonly pages: AsyncIterator<readonly Positioned<T>[]>;
  readonly upTo: GlobalPosition;
}

export interface SharedBacklogOptions<T> {
  readonly source: ResumableFeedSource<T>;
  readonly messageOf: MessageOf<T>;
  /** Bytes of encoded pages kept for clients that resume from positions they cover. */
  readonly maxBytes: number;
}

function keyOf(position: GlobalPosition | undefined): string {
  return position === undefined ? '' : formatPosition(position);
}

/**
 * The backlog of one shared feed, read and encoded once for every client that
 * resumes from the same or a nearby position (docs/architecture.md, live
 * pushes). The source is read a page at a time; each page is decided and
 * encoded once into a FrameBatch, as live items are, and kept (up to
 * `maxBytes`) for the clients that follow: a client whose resume point falls
 * inside a kept page is sent that page's frames past its point, then continues
 * from the page's end, where the next kept page or the read that made it
 * (left open there) takes over. A crowd that overflowed together therefore
 * converges on the same pages, and costs one store read and one encoding per
 * event instead of one per client and event.
 */
export class SharedBacklog<T> {
  /** Oldest first; evicted in that order beyond `maxBytes`. */
  private readonly pages: BacklogPage[] = [];
  private bytes = 0;
  /** Reads in progress, by where they start. */
  private readonly reading = new Map<
    string,
    { after: GlobalPosition | undefined; page: Promise<BacklogPage> }
  >();
  private readonly parked = new Map<string, ParkedRead<T>>();

  constructor(private readonly options: SharedBacklogOptions<T>) {}

  /**
   * The next page after `after` (exclusive), reading at most up to `upTo`: its
   * `last` is past `after`, and every item in between with a message is in its
   * frames (it may start before `after`: the caller skips what it has sent).
   */
  page(after: GlobalPosition | undefined, upTo: GlobalPosition): Promise<FrameBatch> {
    const kept = this.keptPageHolding(after);
    if (kept) return Promise.resolve(kept.batch);
    const key = keyOf(after);
    let reading = this.reading.get(key);
    if (!reading) {
      reading = { after, page: this.read(after, upTo).finally(() => this.reading.delete(key)) };
      this.reading.set(key, reading);
    }
    return reading.page.then((page) => page.batch);
  }

  /** Forgets every page and closes the open reads (the feed has no member left). */
  clear(): void {
    this.pages.length = 0;
    this.bytes = 0;
    for (const read of this.parked.values()) void read.pages.return?.();
    this.parked.clear();
  }

  /** Pages kept (for tests and metrics). */
  get keptPages(): number {
    return this.pages.length;
  }

  private keptPageHolding(after: GlobalPosition | undefined): BacklogPage | undefined {
    for (let index = this.pages.length - 1; index >= 0; index -= 1) {
      const page = this.pages[index];
      if (after === undefined) {
        if (page.after === undefined) return page;
        continue;
      }
      const startsBefore = page.after === undefined || comparePositions(page.after, after) <= 0;
      if (startsBefore && comparePositions(after, page.batch.last) < 0) return page;
    }
    return undefined;
  }

  private async read(after: GlobalPosition | undefined, upTo: GlobalPosition): Promise<BacklogPage> {
    const key = keyOf(after);
    let read = this.parked.get(key);
    this.parked.delete(key);
    if (read && after !== undefined && comparePositions(read.upTo, after) <= 0) {
      void read.pages.return?.();
      read = undefined;
    }
    read ??= { pages: this.options.source.backlog(after, upTo)[Symbol.asyncIterator](), upTo };
    for (;;) {
      const next = await read.pages.next();
      if (next.done) {
        // Nothing more up to where this read was bounded: the page is empty and covers up to there.
        return this.keep({ after, batch: emptyBatch(read.upTo) });
      }
      // Up to where a kept page or another read starts at most: the items past it are that page's.
      const until = this.nextStartAfter(after);
      const items = next.value.filter(
        (item) =>
          (after === undefined || comparePositions(item.position, after) > 0) &&
          (until === undefined || comparePositions(item.position, until) <= 0),
      );
      const cut =
        until !== undefined && next.value.some((item) => comparePositions(item.position, until) > 0);
      if (items.length === 0) {
        if (cut) {
          void read.pages.return?.();
          return this.keep({ after, batch: emptyBatch(until) });
        }
        continue;
      }
      const frames: EncodedFrame[] = [];
      for (const item of items) {
        const decided = this.options.messageOf(item);
        const message = decided instanceof Promise ? await decided : decided;
        if (message !== null)
          frames.push({ position: item.position, id: message.id, frame: encodeFrame(message) });
      }
      const last = cut ? until! : items[items.length - 1].position;
      // A read cut short has gone past where its page ends: it cannot go on from there.
      if (cut) void read.pages.return?.();
      else this.park(last, read);
      return this.keep({
        after,
        batch: {
          first: items[0].position,
          last,
          frames,
          bytes: frames.length === 1 ? frames[0].frame : Buffer.concat(frames.map((frame) => frame.frame)),
          lastId: lastIdOf(frames),
        },
      });
    }
  }

  /** The nearest start of a kept page or of a read in progress past `after`. */
  private nextStartAfter(after: GlobalPosition | undefined): GlobalPosition | undefined {
    let nearest: GlobalPosition | undefined;
    const consider = (start: GlobalPosition | undefined): void => {
      if (start === undefined || (after !== undefined && comparePositions(start, after) <= 0)) return;
      if (nearest === undefined || comparePositions(start, nearest) < 0) nearest = start;
    };
    for (const page of this.pages) consider(page.after);
    for (const reading of this.reading.values()) consider(reading.after);
    return nearest;
  }

  private park(at: GlobalPosition, read: ParkedRead<T>): void {
    const key = keyOf(at);
    const previous = this.parked.get(key);
    if (previous) void previous.pages.return?.();
    this.parked.delete(key);
    this.parked.set(key, read);
    while (this.parked.size > MAX_PARKED_READS) {
      const [oldestKey, oldest] = this.parked.entries().next().value as [string, ParkedRead<T>];
      this.parked.delete(oldestKey);
      void oldest.pages.return?.();
    }
  }

  private keep(page: BacklogPage): BacklogPage {
    this.pages.push(page);
    this.bytes += page.batch.bytes.length;
    while (this.bytes > this.options.maxBytes && this.pages.length > 1) {
      this.bytes -= this.pages.shift()!.batch.bytes.length;
    }
    return page;
  }
}

function emptyBatch(at: GlobalPosition): FrameBatch {
  return { first: at, last: at, frames: [], bytes: Buffer.alloc(0), lastId: undefined };
}
