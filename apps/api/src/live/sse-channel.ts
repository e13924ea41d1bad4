import type { ServerResponse } from 'node:http';

/** One Server-Sent Events message. `data` is sent as one line of JSON. */
export interface SseMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data: unknown;
}

export interface SseChannelOptions {
  /** A comment line is sent this often so proxies keep the connection open. */
  readonly heartbeatMs: number;
  /**
   * Bytes the socket may hold unsent before the client counts as too slow: it is
   * then told (`event: overflow` with the last id it was sent) and disconnected,
   * never silently skipped. It can resume with `Last-Event-ID`.
   */
  readonly maxBufferedBytes: number;
  /** The reconnection delay suggested to clients (`retry:`). */
  readonly retryMs: number;
}

/** How often `drained()` looks at a socket that holds bytes but will emit no 'drain'. */
const DRAIN_POLL_MS = 10;

/** JSON of payloads shared by many clients (the same object), encoded once. */
const encoded = new WeakMap<object, string>();

function encode(data: unknown): string {
  if (data === null || typeof data !== 'object') return JSON.stringify(data);
  let json = encoded.get(data);
  if (json === undefined) {
    json = JSON.stringify(data);
    encoded.set(data, json);
  }
  return json;
}

/**
 * Whole frames of payloads shared by many clients (the same object, id and
 * event name), encoded to bytes once: each socket then writes the same Buffer.
 */
const frames = new WeakMap<object, { id: string | undefined; event: string | undefined; frame: Buffer }>();

export function encodeFrame(message: SseMessage): Buffer {
  const build = (): string => {
    let frame = '';
    if (message.id !== undefined) frame += `id: ${message.id}\n`;
    if (message.event !== undefined) frame += `event: ${message.event}\n`;
    return `${frame}data: ${encode(message.data)}\n\n`;
  };
  if (message.data === null || typeof message.data !== 'object') return Buffer.from(build());
  const cached = frames.get(message.data);
  if (cached && cached.id === message.id && cached.event === message.event) return cached.frame;
  const frame = Buffer.from(build());
  frames.set(message.data, { id: message.id, event: message.event, frame });
  return frame;
}

export type SseCloseReason = 'client-closed' | 'overflow' | 'server-closed' | 'failed';

/**
 * A Server-Sent Events response: framing, heartbeats, a bound on what one slow
 * client may hold in memory, and one close notification whatever ends it.
 */
export class SseChannel {
  private heartbeat: NodeJS.Timeout | null = null;
  private corked = false;
  private closed = false;
  private lastSentId: string | null = null;
  private readonly closeListeners: ((reason: SseCloseReason) => void)[] = [];

  constructor(
    private readonly response: ServerResponse,
    private readonly options: SseChannelOptions,
  ) {
    response.on('close', () => this.finish('client-closed'));
  }

  /** Writes the status line and headers (`headers` adds to the event-stream ones, e.g. security headers). */
  open(headers: Readonly<Record<string, string | number | readonly string[]>> = {}): void {
    // A client that went away while its request was being checked emitted 'close' before this channel
    // listened: without this, its connection slot and feed membership would be held for ever.
    if (this.response.destroyed) {
      this.finish('client-closed');
      return;
    }
    this.response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.response.write(`retry: ${this.options.retryMs}\n\n`);
    this.heartbeat = setInterval(() => this.comment('heartbeat'), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True while the socket has room: callers producing a backlog wait for `drained()` otherwise. */
  get hasRoom(): boolean {
    return !this.closed && this.response.writableLength < this.options.maxBufferedBytes / 2;
  }

  /**
   * Resolves when the socket has room again (or the channel closed). The
   * response emits 'drain' only after a write it refused: below its high-water
   * mark (a `maxBufferedBytes` under twice that) it holds bytes without one,
   * and then how much it holds is looked at again every few milliseconds.
   */
  drained(): Promise<void> {
    if (this.closed || this.response.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let poll: NodeJS.Timeout | null = null;
      const done = (): void => {
        if (poll) clearTimeout(poll);
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      const check = (): void => {
        if (this.hasRoom || this.closed) done();
        else poll = setTimeout(check, DRAIN_POLL_MS);
      };
      this.response.once('drain', done);
      this.response.once('close', done);
      if (!this.response.writableNeedDrain) poll = setTimeout(check, DRAIN_POLL_MS);
    });
  }

  /** Sends a message; returns false when the channel is closed (or closes now because the client is too slow). */
  send(message: SseMessage): boolean {
    if (this.closed) return false;
    // Messages sent one by one in one turn of the event loop (a backlog page) leave in one write.
    this.corkUntilNextTick();
    return this.sendEncoded(encodeFrame(message), message.id);
  }

  /**
   * Sends frames already encoded (`encodeFrame`, or several joined), whose last
   * id is `lastId`, in one write; returns false as `send` does.
   */
  sendEncoded(frames: Buffer, lastId: string | undefined): boolean {
    if (this.closed) return false;
    if (this.response.writableLength > this.options.maxBufferedBytes) {
      this.overflow();
      return false;
    }
    this.response.write(frames);
    if (lastId !== undefined) this.lastSentId = lastId;
    return true;
  }

  private corkUntilNextTick(): void {
    if (this.corked) return;
    this.corked = true;
    this.response.cork();
    process.nextTick(() => {
      this.corked = false;
      this.response.uncork();
    });
  }

  comment(text: string): void {
    if (!this.closed) this.response.write(`: ${text.replace(/\n/g, ' ')}\n\n`);
  }

  /** Tells the client why the stream ends, then ends it. */
  fail(code: string, message: string): void {
    if (this.closed) return;
    this.response.write(
      `event: error\ndata: ${JSON.stringify({ code, message, lastEventId: this.lastSentId })}\n\n`,
    );
    this.end('failed');
  }

  close(): void {
    this.end('server-closed');
  }

  onClose(listener: (reason: SseCloseReason) => void): void {
    if (this.closed) listener('server-closed');
    else this.closeListeners.push(listener);
  }

  /**
   * The service is shutting down: tell the client to reconnect (to another instance, or to this
   * one once it is back) with the last id it was sent, then end the stream.
   */
  shutDown(): void {
    if (this.closed) return;
    this.response.write(
      `event: shutdown\ndata: ${JSON.stringify({
        code: 'service.shutting-down',
        message: 'The service is shutting down; reconnect with Last-Event-ID to resume',
        lastEventId: this.lastSentId,
      })}\n\n`,
    );
    this.end('server-closed');
  }

  /** The client cannot keep up: tell it where it got to, then disconnect it. */
  overflow(): void {
    if (this.closed) return;
    this.response.write(
      `event: overflow\ndata: ${JSON.stringify({
        code: 'live.client-too-slow',
        message: 'The client fell too far behind; reconnect with Last-Event-ID to resume',
        lastEventId: this.lastSentId,
      })}\n\n`,
    );
    this.end('overflow');
  }

  private end(reason: SseCloseReason): void {
    if (this.closed) return;
    // Reason first: ending the response emits 'close', which would otherwise report the client as gone.
    this.finish(reason);
    this.response.end();
  }

  private finish(reason: SseCloseReason): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}
