/**
 * What kind of failure an error is. The api maps each category to an HTTP status
 * exactly once, in its problem-details filter; nothing else decides statuses.
 */
export type ErrorCategory =
  /** The request itself is malformed or fails validation (400). */
  | 'invalid-input'
  /** Well-formed, but a business rule of the operation refuses it (422). */
  | 'rule-violated'
  /** The thing named does not exist, or the caller may not know it does (404). */
  | 'not-found'
  /** The request conflicts with the current state (409). */
  | 'illegal-state'
  /** An optimistic-concurrency check failed (409, or 412 for If-Match). */
  | 'revision-conflict'
  /** No valid credential (401). */
  | 'unauthenticated'
  /** A valid credential without the right (403). */
  | 'forbidden'
  /** A dependency is unavailable or did not answer in time (503). */
  | 'unavailable'
  /** The caller sent too much too fast, or holds too much at once: retry later (429, with `Retry-After`). */
  | 'rate-limited';

/**
 * The one base of every error the project raises on purpose. `code` is stable and
 * documented (clients may switch on it); `details` carries the context a caller
 * can act on and is serialised into the problem document as is.
 */
export abstract class TimelineError extends Error {
  abstract readonly code: string;
  abstract readonly category: ErrorCategory;

  protected constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
  }
}
