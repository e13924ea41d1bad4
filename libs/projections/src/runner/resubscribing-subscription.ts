import type { Subscription } from 'rxjs';
import type {
  AllSubscriptionMessage,
  EventStore,
  GlobalLogFilter,
  GlobalPosition,
} from '@timeline/event-store/port';
import type { ProjectionLogger, ProjectionRunnerStatus } from './projection-runner.types';

const MAX_RESUBSCRIBE_DELAY_MS = 30_000;

export interface ResubscribingSubscriptionOptions {
  readonly filter: GlobalLogFilter;
  /** First delay before resubscribing; doubles with each attempt, up to 30 s. */
  readonly resubscribeDelayMs: number;
  readonly logger: ProjectionLogger;
  /** Where to (re)subscribe after: the last position processed. */
  readonly after: () => GlobalPosition | null;
  /** False once the runner stops: a message is then ignored and a failure not retried. */
  readonly running: () => boolean;
}

/**
 * The runner's one catch-up subscription to the global log: when the store's
 * subscription fails or ends it subscribes again, after the last processed
 * position, with an exponential back-off, for as long as the runner runs.
 */
export class ResubscribingSubscription {
  private subscription: Subscription | null = null;
  private active = false;
  private lastError: string | null = null;
  private resubscriptions = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly options: ResubscribingSubscriptionOptions,
    private readonly onMessage: (message: AllSubscriptionMessage) => void,
  ) {}

  /** Subscribed, with nothing failed since: `healthy` needs it. */
  get isActive(): boolean {
    return this.active;
  }

  open(): void {
    const after = this.options.after() ?? undefined;
    this.active = true;
    this.subscription = this.store.subscribeToAll({ after, filter: this.options.filter }).subscribe({
      next: (message) => {
        if (!this.options.running()) return;
        this.lastError = null;
        this.onMessage(message);
      },
      error: (error: unknown) => this.failed(error),
      complete: () => this.failed(new Error('the subscription completed')),
    });
  }

  close(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
  }

  status(): ProjectionRunnerStatus['subscription'] {
    return { active: this.active, lastError: this.lastError, resubscriptions: this.resubscriptions };
  }

  private failed(error: unknown): void {
    this.active = false;
    this.subscription = null;
    if (!this.options.running()) return;
    this.lastError = error instanceof Error ? error.message : String(error);
    const delay = Math.min(
      MAX_RESUBSCRIBE_DELAY_MS,
      this.options.resubscribeDelayMs * 2 ** Math.min(this.resubscriptions, 16),
    );
    this.options.logger.error(`Projection subscription failed; resubscribing in ${delay} ms`, {
      error: this.lastError,
    });
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.options.running()) return;
      this.resubscriptions += 1;
      this.open();
    }, delay);
  }
}
