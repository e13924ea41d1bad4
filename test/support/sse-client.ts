import { request, type ClientRequest, type IncomingMessage } from 'node:http';

/** One message as a Server-Sent Events client sees it. */
export interface ReceivedSseMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

export interface SseConnection {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** Comment lines received (heartbeats). */
  readonly comments: string[];
  /** Resolves with the next message, or null when the stream ends first. */
  next(): Promise<ReceivedSseMessage | null>;
  /** Drops the connection, as a client going away would. */
  close(): void;
}

/**
 * A minimal Server-Sent Events client over node:http, parsing the wire format
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html) so tests see
 * exactly what a browser's EventSource would.
 */
export function connectSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const client: ClientRequest = request(
      url,
      { agent: false, headers: { accept: 'text/event-stream', ...headers } },
      (response) => {
        const queue: ReceivedSseMessage[] = [];
        const waiters: ((message: ReceivedSseMessage | null) => void)[] = [];
        const comments: string[] = [];
        let ended = false;
        let buffer = '';
        let id: string | undefined;
        let event = 'message';
        let data: string[] = [];
        const deliver = (message: ReceivedSseMessage | null): void => {
          const waiter = waiters.shift();
          if (waiter) waiter(message);
          else if (message) queue.push(message);
        };
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).replace(/\r$/, '');
            buffer = buffer.slice(newline + 1);
            if (line === '') {
              if (data.length > 0) deliver({ id, event, data: data.join('\n') });
              event = 'message';
              data = [];
            } else if (line.startsWith(':')) {
              comments.push(line.slice(1).trim());
            } else {
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'id') id = value;
              else if (field === 'event') event = value;
              else if (field === 'data') data.push(value);
            }
          }
        });
        const end = (): void => {
          ended = true;
          while (waiters.length > 0) deliver(null);
        };
        response.on('end', end);
        response.on('close', end);
        response.on('error', end);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          comments,
          next: () =>
            new Promise((resolveNext) => {
              const queued = queue.shift();
              if (queued) resolveNext(queued);
              else if (ended) resolveNext(null);
              else waiters.push(resolveNext);
            }),
          close: () => {
            client.destroy();
            end();
          },
        });
      },
    );
    client.on('error', reject);
    client.end();
  });
}
