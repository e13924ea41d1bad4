import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';

/**
 * The part of a `ServerResponse` an SseChannel uses, recording what is written:
 * every write in `writes`, their text in `written`. The socket never pushes back
 * (`writableLength` stays as a test sets it).
 */
export class FakeSseResponse extends EventEmitter {
  readonly writes: string[] = [];
  writableLength = 0;
  status = 0;
  headers: Record<string, unknown> = {};
  ended = false;

  writeHead(status: number, headers: Record<string, unknown>): this {
    this.status = status;
    this.headers = headers;
    return this;
  }

  cork(): void {}
  uncork(): void {}

  write(chunk: string | Buffer): boolean {
    this.writes.push(chunk.toString());
    return true;
  }

  end(): this {
    this.ended = true;
    this.emit('close');
    return this;
  }

  get written(): string {
    return this.writes.join('');
  }

  /** As the channel takes it. */
  asServerResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

/** The ids of the messages written, in order (numeric ids, as the live specs' feeds use). */
export function writtenIds(response: FakeSseResponse): number[] {
  return [...response.written.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
}
