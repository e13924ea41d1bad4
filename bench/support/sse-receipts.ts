/**
 * What one benchmark subscriber of a Server-Sent Events feed received, kept
 * across its connections: a client told `overflow` reconnects with
 * `Last-Event-ID` and must, over all its connections together, receive every
 * event once and in log order.
 */

const FRAME_END = Buffer.from('\n\n');
const ID_LINE = Buffer.from('\nid: ');
const EVENT_LINE = Buffer.from('\nevent: ');
const ID_AT_START = Buffer.from('id: ');
const EVENT_AT_START = Buffer.from('event: ');
const NEWLINE = 0x0a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** What the whole frames completed by one chunk carried. */
export interface ScannedFrames {
  /** The `id:` of each whole frame that has one, in order (the api's ids are global positions). */
  readonly ids: number[];
  /** The `event:` name of each whole frame that has one (`overflow`, `error`, `shutdown`), in order. */
  readonly events: string[];
}

/**
 * Minimal scan of an event stream for a subscriber that must not be the
 * bottleneck it measures: only whole frames (ending in a blank line) are read,
 * on the bytes (no decoding to a string), and only their `id:` and `event:`
 * lines are looked at. The data is JSON on one line, which holds no raw
 * newline, so a line that starts with `id: ` is the frame's id.
 */
export class SseFrameScanner {
  private carry: Buffer | null = null;

  /** Scans a chunk; a frame cut across chunks is read once its end arrives. */
  scan(chunk: Buffer): ScannedFrames {
    const ids: number[] = [];
    const events: string[] = [];
    const text = this.carry === null ? chunk : Buffer.concat([this.carry, chunk]);
    const end = text.lastIndexOf(FRAME_END);
    if (end < 0) {
      this.carry = text;
      return { ids, events };
    }
    this.carry = end + 2 < text.length ? Buffer.from(text.subarray(end + 2)) : null;
    let line = startsWith(text, ID_AT_START) ? 0 : lineStart(text, ID_LINE, 0, end);
    while (line >= 0) {
      let value = 0;
      let digits = 0;
      let at = line + ID_AT_START.length;
      for (; at < end && text[at] >= DIGIT_0 && text[at] <= DIGIT_9; at += 1, digits += 1)
        value = value * 10 + (text[at] - DIGIT_0);
      // An id that is not a whole number is recorded as NaN: the receipts count it as unexpected.
      ids.push(digits > 0 && (at >= end || text[at] === NEWLINE) ? value : Number.NaN);
      line = lineStart(text, ID_LINE, at, end);
    }
    line = startsWith(text, EVENT_AT_START) ? 0 : lineStart(text, EVENT_LINE, 0, end);
    while (line >= 0) {
      const lineEnd = text.indexOf(NEWLINE, line);
      const stop = lineEnd < 0 || lineEnd > end ? end : lineEnd;
      events.push(text.toString('latin1', line + EVENT_AT_START.length, stop));
      line = lineStart(text, EVENT_LINE, stop, end);
    }
    return { ids, events };
  }

  /** A new connection: a frame the previous one left unfinished is dropped (the server sends it again). */
  reset(): void {
    this.carry = null;
  }
}

function startsWith(text: Buffer, prefix: Buffer): boolean {
  return text.length >= prefix.length && text.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** Where the line matched by `needle` (a newline, then the line's start) begins, searching from `from` up to `end`; -1 if none. */
function lineStart(text: Buffer, needle: Buffer, from: number, end: number): number {
  const index = text.indexOf(needle, from);
  return index < 0 || index >= end ? -1 : index + 1;
}

/**
 * Receipt times of one subscriber by event, over all its connections. Events
 * are expected at positions `base + 1 .. base + capacity`; anything else is
 * unexpected.
 */
export class SubscriberReceipts {
  /** Receipt time (ms) by event index (position − base − 1); NaN until received. */
  readonly receipts: Float64Array;
  /** The highest position received so far, over every connection (`base` before any). */
  last: number;
  received = 0;
  duplicates = 0;
  outOfOrder = 0;
  unexpected = 0;
  /** Connections opened: the first, and one per reconnection. */
  connections = 0;
  /** Connections the server ended with `event: overflow`. */
  overflows = 0;
  /** Positions received first on each reconnection, with the last position before it: where a resume could go wrong. */
  readonly resumes: { readonly after: number; readonly first: number | null }[] = [];
  private awaitingFirstAfterResume = false;

  constructor(
    readonly base: number,
    capacity: number,
  ) {
    this.receipts = new Float64Array(capacity).fill(Number.NaN);
    this.last = base;
  }

  /** A connection opens; past the first, it resumes after `last` (its `Last-Event-ID`). */
  connected(): void {
    this.connections += 1;
    if (this.connections > 1) {
      this.resumes.push({ after: this.last, first: null });
      this.awaitingFirstAfterResume = true;
    }
  }

  /** The id to resume after (`Last-Event-ID`), or undefined before any event was received. */
  get lastEventId(): string | undefined {
    return this.last === this.base ? undefined : String(this.last);
  }

  record(position: number, at: number): void {
    if (this.awaitingFirstAfterResume) {
      this.awaitingFirstAfterResume = false;
      const resume = this.resumes[this.resumes.length - 1];
      this.resumes[this.resumes.length - 1] = { after: resume.after, first: position };
    }
    const index = position - this.base - 1;
    if (!(index >= 0 && index < this.receipts.length)) {
      this.unexpected += 1;
      return;
    }
    if (!Number.isNaN(this.receipts[index])) {
      this.duplicates += 1;
      return;
    }
    if (position < this.last) this.outOfOrder += 1;
    this.receipts[index] = at;
    this.received += 1;
    if (position > this.last) this.last = position;
  }
}

/** One subscriber's delivery against the log. */
export interface SubscriberDelivery {
  /** Events of the log it never received although it received a later one: lost. */
  readonly gaps: number;
  /** Of those, the ones lost between two connections (after the last one before a reconnection, before the first one after it). */
  readonly gapsAtReconnection: number;
  /** Events of the log after the last one it received: still undelivered when the run stopped waiting. */
  readonly undelivered: number;
  /** Positions it received that are no event of the log. */
  readonly unexpected: number;
  /** The first position it never received, or null. */
  readonly firstMissing: number | null;
}

/**
 * Checks one subscriber's receipts against the log: `inLog(index)` says
 * whether the event at position base + index + 1 is in the log (every such
 * event is due to this subscriber). Duplicates and out-of-order receipts are
 * counted as they arrive (SubscriberReceipts); this counts what is missing.
 */
export function deliveryOf(
  subscriber: SubscriberReceipts,
  logLength: number,
  inLog: (index: number) => boolean,
): SubscriberDelivery {
  const lastIndex = subscriber.last - subscriber.base - 1;
  const resumeRanges = subscriber.resumes.map(({ after, first }) => ({
    from: after - subscriber.base,
    to: (first ?? Number.POSITIVE_INFINITY) - subscriber.base - 2,
  }));
  let gaps = 0;
  let gapsAtReconnection = 0;
  let undelivered = 0;
  let unexpected = 0;
  let firstMissing: number | null = null;
  const length = Math.max(logLength, subscriber.receipts.length);
  for (let index = 0; index < length; index += 1) {
    const receipt = index < subscriber.receipts.length ? subscriber.receipts[index] : Number.NaN;
    const expected = index < logLength && inLog(index);
    if (!expected) {
      if (!Number.isNaN(receipt)) unexpected += 1;
      continue;
    }
    if (!Number.isNaN(receipt)) continue;
    firstMissing ??= subscriber.base + index + 1;
    if (index < lastIndex) {
      gaps += 1;
      if (resumeRanges.some((range) => index >= range.from && index <= range.to)) gapsAtReconnection += 1;
    } else {
      undelivered += 1;
    }
  }
  return { gaps, gapsAtReconnection, undelivered, unexpected, firstMissing };
}
