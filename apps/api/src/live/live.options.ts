/** Options of the live (Server-Sent Events) endpoints. */
export interface LiveOptions {
  /** Heartbeat comment interval. Default 15,000 ms. */
  readonly heartbeatMs: number;
  /** Unsent bytes one client may hold before it is told it is too slow and disconnected. Default 1 MiB. */
  readonly maxBufferedBytes: number;
  /** Live items held for one client while its backlog is being sent. Default 10,000. */
  readonly maxPendingLive: number;
  /** Encoded backlog kept per shared feed for clients resuming from nearby positions. Default 8 MiB. */
  readonly sharedBacklogBytes: number;
  /** Picture pushes are coalesced over this window. Default 250 ms. */
  readonly pictureCoalesceMs: number;
  /** Reconnection delay suggested to clients. Default 2,000 ms. */
  readonly retryMs: number;
}

export const LIVE_OPTIONS = Symbol('LIVE_OPTIONS');

export const DEFAULT_LIVE_OPTIONS: LiveOptions = {
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  maxPendingLive: 10_000,
  sharedBacklogBytes: 8 * 1024 * 1024,
  pictureCoalesceMs: 250,
  retryMs: 2_000,
};
