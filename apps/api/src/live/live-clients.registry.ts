import { Injectable } from '@nestjs/common';
import type { SseCloseReason } from './sse-channel';

/** Counts live clients by stream and how their connections ended, for /metrics. */
@Injectable()
export class LiveClients {
  private readonly open = new Map<string, number>();
  private readonly closed = new Map<string, number>();

  opened(stream: string): void {
    this.open.set(stream, (this.open.get(stream) ?? 0) + 1);
  }

  ended(stream: string, reason: SseCloseReason): void {
    this.open.set(stream, Math.max(0, (this.open.get(stream) ?? 0) - 1));
    const key = `${stream}\u0000${reason}`;
    this.closed.set(key, (this.closed.get(key) ?? 0) + 1);
  }

  /** Open connections by stream. */
  openByStream(): ReadonlyMap<string, number> {
    return this.open;
  }

  /** Ended connections by stream and reason. */
  endedByStreamAndReason(): { stream: string; reason: string; count: number }[] {
    return [...this.closed].map(([key, count]) => {
      const [stream, reason] = key.split('\u0000');
      return { stream, reason, count };
    });
  }
}
