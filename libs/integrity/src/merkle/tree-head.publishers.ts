import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SignedTreeHead } from './tree-head';

/**
 * Somewhere a signed head is written so that it outlives a compromised store:
 * append-only, outside the data directory (docs/merkle-log.md).
 */
export interface TreeHeadPublisher {
  /** Names the target in reports and logs, e.g. `file:/var/lib/timeline-heads/heads.jsonl`. */
  readonly target: string;
  /** Resolves once the head is durably handed over; rejects otherwise. */
  publish(head: SignedTreeHead): Promise<void>;
}

/** One JSON line per head, appended and fsynced before `publish` resolves. */
export class FileTreeHeadPublisher implements TreeHeadPublisher {
  readonly target: string;

  constructor(private readonly path: string) {
    this.target = `file:${path}`;
  }

  async publish(head: SignedTreeHead): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const file = await open(this.path, 'a');
    try {
      await file.write(`${JSON.stringify(head)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
  }
}

export interface WebhookOptions {
  /** Attempts before the publication is reported failed. Default 3. */
  readonly attempts?: number;
  /** Per attempt. Default 5,000 ms. */
  readonly timeoutMs?: number;
  /** Before the second attempt; doubled each time. Default 500 ms. */
  readonly retryDelayMs?: number;
  readonly fetch?: typeof fetch;
}

/** POSTs the head as JSON to a URL another system controls; any 2xx is an acknowledgement. */
export class WebhookTreeHeadPublisher implements TreeHeadPublisher {
  readonly target: string;

  constructor(
    private readonly url: string,
    private readonly options: WebhookOptions = {},
  ) {
    this.target = `webhook:${url}`;
  }

  async publish(head: SignedTreeHead): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    const doFetch = this.options.fetch ?? fetch;
    let delay = this.options.retryDelayMs ?? 500;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        const response = await doFetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(head),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        lastError = new Error(`${this.url} answered ${response.status}`);
      } catch (error) {
        lastError = error;
      }
      if (attempt < attempts) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= 2;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }
}

/** Hands each head to a logger (the application log, JSON lines). */
export class LogTreeHeadPublisher implements TreeHeadPublisher {
  readonly target = 'log';

  constructor(private readonly write: (line: string) => void) {}

  publish(head: SignedTreeHead): Promise<void> {
    this.write(JSON.stringify({ treeHead: head }));
    return Promise.resolve();
  }
}
