import { EventStoreUnavailableError } from '../event-store.errors';

/** How long a request may take, how long it is retried, and how the backoff grows. */
export interface CallPolicyOptions {
  /** The deadline of one request to the server (one attempt). */
  readonly deadlineMs: number;
  /** How long, from the first attempt, a transient failure is retried. 0 sends once. */
  readonly budgetMs: number;
  /** The backoff before the second attempt; doubled per attempt up to `maxDelayMs`, half of it jittered. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** One attempt of a request outlived its deadline; the request may still complete on the server. */
export class CallDeadlineError extends Error {
  constructor(
    readonly operation: string,
    readonly deadlineMs: number,
  ) {
    super(`${operation} got no answer within ${deadlineMs} ms`);
    this.name = 'CallDeadlineError';
  }
}

/**
 * What an attempt is given: `signal` aborts when the attempt is given up (deadline,
 * close). It is made on first use: an append, which cannot be taken back once sent,
 * never asks for it, and an AbortController per append was a measurable part of the
 * adapter's own CPU time (bench/README.md, EventStoreDB adapter).
 */
export interface AttemptCall {
  readonly signal: AbortSignal;
}

/** One attempt of a request. */
export type Attempt<T> = (call: AttemptCall) => Promise<T>;

export interface RunOptions {
  /** Whether the same request may be sent again after this failure. */
  readonly retryable: (error: unknown) => boolean;
  /** Translates the final failure into the port's error. */
  readonly translate: (error: unknown) => Error;
  /** Told about every failure before it is retried or raised (e.g. to follow a new leader). */
  readonly onFailure?: (error: unknown) => void;
}

/** What the call policy needs of an attempt under way, whatever its result type. */
interface UnderWay {
  readonly operation: string;
  /** performance.now() at which the attempt is given up. */
  readonly deadline: number;
  giveUp(error: Error): void;
}

/**
 * An attempt under way, in {@link CallPolicy}'s `running` until it settles one way or
 * another. A class, not closures and an object literal with a getter: one allocation
 * per attempt on the path every append takes.
 */
class RunningAttempt<T> implements AttemptCall, UnderWay {
  /** Made when the attempt asks for its signal. */
  private cancel: AbortController | undefined;

  constructor(
    readonly operation: string,
    readonly deadline: number,
    private readonly settle: (attempt: UnderWay) => boolean,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  get signal(): AbortSignal {
    this.cancel ??= new AbortController();
    return this.cancel.signal;
  }

  answered(value: T): void {
    if (this.settle(this)) this.resolve(value);
  }

  failed(error: unknown): void {
    if (this.settle(this)) this.reject(error);
  }

  /** Rejects the attempt with `error` and cancels it on the wire. */
  giveUp(error: Error): void {
    if (!this.settle(this)) return;
    this.reject(error);
    this.cancel?.abort();
  }
}

/**
 * Runs the adapter's requests to the server: each attempt under a deadline, transient
 * failures retried with jittered exponential backoff until a time budget is spent, and
 * every request abandoned at once when the store closes (docs/architecture.md §3).
 *
 * A leader election makes every node refuse writes for a moment: appends carry event ids
 * and an exact expected revision, so resending one is idempotent and an election costs
 * latency, not errors, as long as it ends within the budget.
 */
export class CallPolicy {
  private closed = false;
  /**
   * The attempts under way, in the order they started: with one deadline for all, also
   * the order their deadlines pass, so one timer, set for the oldest, serves them all
   * (a timer per append was a measurable part of the adapter's own CPU time).
   */
  private readonly running = new Set<UnderWay>();
  private deadlineTimer: NodeJS.Timeout | null = null;
  /** How to reject each request waiting to be resent, when the store closes. */
  private readonly onClose = new Set<() => void>();

  constructor(
    private readonly options: CallPolicyOptions,
    private readonly random: () => number = Math.random,
  ) {}

  get deadlineMs(): number {
    return this.options.deadlineMs;
  }

  /** Whether {@link abandonAll} was called. */
  get abandoned(): boolean {
    return this.closed;
  }

  /** Every running and future request rejects with EventStoreUnavailableError (the store closed). */
  abandonAll(): void {
    this.closed = true;
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    for (const attempt of [...this.running]) attempt.giveUp(this.closedError(attempt.operation));
    for (const abandon of [...this.onClose]) abandon();
    this.onClose.clear();
  }

  /**
   * Runs `attempt` until it succeeds, fails for good, or the budget is spent. Each attempt
   * gets a signal that aborts when its deadline passes or the store closes, to cancel
   * the call on the wire.
   */
  async run<T>(operation: string, attempt: Attempt<T>, options: RunOptions): Promise<T> {
    const started = Date.now();
    for (let failures = 0; ; failures++) {
      try {
        return await this.once(operation, attempt);
      } catch (error) {
        if (this.closed) throw this.closedError(operation);
        options.onFailure?.(error);
        const delay = this.delay(failures);
        if (!options.retryable(error) || Date.now() - started + delay > this.options.budgetMs) {
          throw options.translate(error);
        }
        await this.sleep(delay, operation);
      }
    }
  }

  /** One attempt under the deadline, abandoned when the store closes. */
  once<T>(operation: string, attempt: Attempt<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError(operation));
    return new Promise<T>((resolve, reject) => {
      const running = new RunningAttempt<T>(
        operation,
        performance.now() + this.options.deadlineMs,
        this.settleAttempt,
        resolve,
        reject,
      );
      this.running.add(running);
      // The timer keeps the process alive while an attempt is under way, and only then.
      if (this.running.size === 1) this.deadlineTimer?.ref();
      this.armDeadlineTimer();
      let answer: Promise<T>;
      try {
        answer = attempt(running);
      } catch (error) {
        answer = Promise.reject(error as Error);
      }
      answer.then(
        (value) => running.answered(value),
        (error: unknown) => running.failed(error),
      );
    });
  }

  /** Takes an attempt out of `running`; false when it had already settled. */
  private readonly settleAttempt = (running: UnderWay): boolean => {
    if (!this.running.delete(running)) return false;
    if (this.running.size === 0) this.deadlineTimer?.unref();
    return true;
  };

  /** Sets the timer for the oldest attempt, unless one is set: it fires at or before every other's deadline. */
  private armDeadlineTimer(): void {
    if (this.deadlineTimer !== null) return;
    const oldest = this.running.values().next();
    if (oldest.done) return;
    this.deadlineTimer = setTimeout(
      () => {
        this.deadlineTimer = null;
        this.giveUpOverdue();
      },
      Math.max(0, oldest.value.deadline - performance.now()),
    );
  }

  private giveUpOverdue(): void {
    const now = performance.now();
    for (const attempt of this.running) {
      if (attempt.deadline > now) break;
      attempt.giveUp(new CallDeadlineError(attempt.operation, this.options.deadlineMs));
    }
    this.armDeadlineTimer();
  }

  /** Half the exponential delay is fixed, half random: writers that failed together do not return together. */
  delay(failures: number): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** failures);
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  private sleep(delayMs: number, operation: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const abandon = () => {
        clearTimeout(timer);
        reject(this.closedError(operation));
      };
      const timer = setTimeout(() => {
        this.onClose.delete(abandon);
        resolve();
      }, delayMs);
      this.onClose.add(abandon);
    });
  }

  private closedError(operation: string): EventStoreUnavailableError {
    return new EventStoreUnavailableError(`the event store closed before ${operation} completed`);
  }
}
