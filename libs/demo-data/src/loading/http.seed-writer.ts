import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { toRequestBody, type SeedSubmission } from '../generator/seed-submission';
import type { SeedWriter } from './seed-loader';

/** The API refused a submission or could not be reached. */
export class SeedHttpError extends TimelineError {
  readonly code = 'demo-data.http-refused';
  readonly category: ErrorCategory;

  constructor(
    readonly status: number | null,
    readonly problem: unknown,
    reason: string,
  ) {
    super(reason, { status, problem });
    this.category =
      status === null || status >= 500 ? 'unavailable' : status === 401 ? 'unauthenticated' : 'invalid-input';
  }
}

export interface HttpSeedWriterOptions {
  /** How many times one request waits out a 429 (Retry-After) before the load fails. Default 30. */
  readonly maxRateLimitWaits: number;
  /** Told each time a request waits out a 429, with the wait the api asked for (shown to the user). */
  readonly onRateLimited?: (waitSeconds: number, agency: string) => void;
}

/** Bearer token of the recording principal of an agency. */
export type TokenProvider = (agency: string, subject: string) => string | Promise<string>;

/**
 * Loads through `POST /operations/{id}/events`, one request per submission (merge
 * submissions first with `batchSubmissions` to send fewer), as the agency's principal. Replays of earlier submissions are acknowledged by the
 * API without writing (`replayed: true` in its answer).
 */
export class HttpSeedWriter implements SeedWriter {
  readonly ordering = 'one-at-a-time';
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    private readonly baseUrl: string,
    private readonly tokenFor: TokenProvider,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly options: HttpSeedWriterOptions = { maxRateLimitWaits: 30 },
  ) {}

  async write(submission: SeedSubmission): Promise<{ replayed: boolean }> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/operations/${encodeURIComponent(submission.operationId)}/events`;
    const body = JSON.stringify(toRequestBody(submission));
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await this.token(submission)}`,
            'x-correlation-id': submission.events[0].correlationId,
          },
          body,
        });
      } catch (error) {
        throw new SeedHttpError(
          null,
          null,
          `POST ${url} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const answer = await readBody(response);
      if (response.status === 429 && attempt < this.options.maxRateLimitWaits) {
        // The api limits requests per principal; the same request is safe to send again (its event ids are fixed).
        const retryAfter = Number(response.headers.get('retry-after'));
        const waitMs = Math.min(
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000,
          60_000,
        );
        this.options.onRateLimited?.(waitMs / 1000, submission.agency);
        await sleep(waitMs);
        continue;
      }
      if (response.status !== 200 && response.status !== 201) {
        const detail =
          typeof answer === 'object' && answer !== null ? JSON.stringify(answer) : String(answer);
        throw new SeedHttpError(
          response.status,
          answer,
          `POST ${url} answered ${response.status}: ${detail.slice(0, 2000)}`,
        );
      }
      const replayed =
        typeof answer === 'object' && answer !== null && (answer as { replayed?: unknown }).replayed === true;
      return { replayed: replayed || response.status === 200 };
    }
  }

  private token(submission: SeedSubmission): Promise<string> {
    let token = this.tokens.get(submission.agency);
    if (!token) {
      token = Promise.resolve(this.tokenFor(submission.agency, submission.subject));
      this.tokens.set(submission.agency, token);
    }
    return token;
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return text;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
