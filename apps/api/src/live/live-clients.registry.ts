import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { SseChannel, SseCloseReason } from './sse-channel';

/**
 * Counts live clients by stream and how their connections ended, for /metrics;
 * holds the open channels so that shutdown tells each client to reconnect
 * (`event: shutdown`) and ends its stream before the HTTP server closes.
 */
@Injectable()
export class LiveClients implements OnModuleDestroy {
  private readonly open = new Map<string, number>();
  private readonly closed = new Map<string, number>();
  private readonly channels = new Set<SseChannel>();
  private shuttingDown = false;

  opened(stream: string, channel?: SseChannel): void {
    this.open.set(stream, (this.open.get(stream) ?? 0) + 1);
    if (!channel) return;
    // A stream opened once shutdown has begun is told as soon as its headers are out.
    if (this.shuttingDown) {
      queueMicrotask(() => channel.shutDown());
      return;
    }
    this.channels.add(channel);
    channel.onClose(() => this.channels.delete(channel));
  }

  /** Runs after the shutdown gate has closed (a root-module hook): no new stream opens from here on. */
  onModuleDestroy(): void {
    this.shuttingDown = true;
    for (const channel of [...this.channels]) channel.shutDown();
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
