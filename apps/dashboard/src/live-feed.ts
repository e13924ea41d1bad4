/**
 * A Server-Sent Events client over fetch: `EventSource` cannot send the bearer header
 * (docs/api.md, "Live pushes"). It resumes after a dropped connection with
 * `Last-Event-ID` (the api then sends what was missed, with no gap and no duplicate),
 * backing off between attempts, and reports its state for the page to show.
 */
export type FeedState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface FeedMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

export interface LiveFeedOptions {
  readonly url: string;
  readonly token: string;
  readonly onMessage: (message: FeedMessage) => void;
  readonly onState: (state: FeedState) => void;
  /** Resume after this id rather than from now. */
  readonly lastEventId?: string;
}

const BACKOFF_MS = [500, 1000, 2000, 5000, 10_000];

export class LiveFeed {
  private lastEventId: string | undefined;
  private readonly abort = new AbortController();
  private attempts = 0;

  constructor(private readonly options: LiveFeedOptions) {
    this.lastEventId = options.lastEventId;
    void this.run();
  }

  /** The id of the last message received: where a reconnection resumes. */
  get resumeFrom(): string | undefined {
    return this.lastEventId;
  }

  close(): void {
    this.abort.abort();
    this.options.onState('closed');
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      this.options.onState(this.attempts === 0 ? 'connecting' : 'reconnecting');
      let retryAfterMs: number | null = null;
      try {
        const headers: Record<string, string> = {
          Accept: 'text/event-stream',
          Authorization: `Bearer ${this.options.token}`,
        };
        if (this.lastEventId !== undefined) headers['Last-Event-ID'] = this.lastEventId;
        const response = await fetch(this.options.url, {
          headers,
          signal: this.abort.signal,
          cache: 'no-store',
        });
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          // Not a transient fault: retrying would not help.
          this.options.onState('closed');
          return;
        }
        if (!response.ok || response.body === null) {
          const after = Number(response.headers.get('Retry-After'));
          retryAfterMs = Number.isFinite(after) && after > 0 ? after * 1000 : null;
          throw new Error(`live feed answered ${response.status}`);
        }
        this.attempts = 0;
        this.options.onState('open');
        await this.read(response.body);
      } catch {
        if (this.abort.signal.aborted) return;
      }
      if (this.abort.signal.aborted) return;
      this.options.onState('reconnecting');
      const delay = retryAfterMs ?? BACKOFF_MS[Math.min(this.attempts, BACKOFF_MS.length - 1)];
      this.attempts++;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        this.dispatch(frame);
      }
    }
  }

  private dispatch(frame: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0 && id === undefined) return;
    if (id !== undefined) this.lastEventId = id;
    this.options.onMessage({ id, event, data: data.join('\n') });
  }
}
