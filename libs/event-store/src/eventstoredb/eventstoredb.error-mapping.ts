import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError as ClientStreamDeletedError,
  StreamNotFoundError as ClientStreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import type { ActualRevision, ExpectedRevision } from '../event-store.port';
import { CallDeadlineError } from './eventstoredb.call-policy';
import { isDiscoveryFailure } from './eventstoredb.client-internals';
import {
  EventStoreAccessDeniedError,
  EventStoreError,
  EventStoreUnavailableError,
  InvalidAppendError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../event-store.errors';

export interface ErrorContext {
  /** What was attempted, in words: `append to operation-x`, `read $all`. */
  readonly operation: string;
  readonly streamName?: string;
  /** The expected revision as the port's caller gave it. */
  readonly expected?: ExpectedRevision;
}

/** Translates what @eventstore/db-client raises into the port's errors; nothing else leaves the adapter. */
export function toStoreError(error: unknown, context: ErrorContext): EventStoreError {
  if (error instanceof EventStoreError) return error;
  if (error instanceof WrongExpectedVersionError) {
    const actual: ActualRevision =
      error.actualVersion === 'no_stream' ? 'no_stream' : Number(error.actualVersion);
    return new WrongExpectedRevisionError(
      context.streamName ?? error.streamName,
      context.expected ?? fromClientExpected(error.expectedVersion),
      actual,
    );
  }
  if (error instanceof ClientStreamDeletedError)
    return new StreamDeletedError(context.streamName ?? error.streamName);
  if (error instanceof ClientStreamNotFoundError)
    return new StreamNotFoundError(context.streamName ?? error.streamName);
  if (error instanceof AccessDeniedError) return new EventStoreAccessDeniedError(context.operation);
  if (error instanceof NotLeaderError) {
    return new EventStoreUnavailableError(
      `the node is not the leader (leader: ${error.leader.address}:${error.leader.port}) for ${context.operation}`,
      error,
    );
  }
  if (error instanceof UnavailableError)
    return new EventStoreUnavailableError(`no node answered ${context.operation}`, error);
  if (isDiscoveryFailure(error)) {
    return new EventStoreUnavailableError(
      `no leader was found for ${context.operation} (an election in progress, or no node reachable)`,
      error,
    );
  }
  if (error instanceof CallDeadlineError) {
    return new EventStoreUnavailableError(`${context.operation} did not complete before its deadline`, error);
  }
  if (error instanceof DeadlineExceededError) {
    return new EventStoreUnavailableError(`${context.operation} did not complete before its deadline`, error);
  }
  if (error instanceof TimeoutError) {
    return new EventStoreUnavailableError(
      `${context.operation} timed out in the cluster (not replicated in time)`,
      error,
    );
  }
  if (error instanceof CancelledError)
    return new EventStoreUnavailableError(`the server cancelled ${context.operation}`, error);
  if (error instanceof MaxAppendSizeExceededError) {
    return new InvalidAppendError(
      `the batch exceeds the server's maximum append size of ${error.maxAppendSize} bytes`,
    );
  }
  if (error instanceof UnknownError) {
    return new EventStoreUnavailableError(`the server failed ${context.operation}: ${error.message}`, error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new EventStoreUnavailableError(`${context.operation} failed: ${message}`, error);
}

/**
 * Failures after which the same request may simply be sent again: the client
 * has already switched to the leader it was told about, or will reconnect; or the
 * node did not answer in time (a stuck node, an election, a commit not replicated
 * in time). Appends are safe to resend because they always carry their event ids
 * and an exact expected revision (or `no_stream`), which makes a resend an
 * idempotent retry on the server.
 */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof NotLeaderError ||
    error instanceof UnavailableError ||
    error instanceof CancelledError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof CallDeadlineError ||
    isDiscoveryFailure(error) ||
    // A call on a channel the client closed while reconnecting fails before the client can convert it.
    (error instanceof Error && (error as { code?: unknown }).code === GRPC_UNAVAILABLE)
  );
}

const GRPC_INVALID_ARGUMENT = 3;
const GRPC_UNAVAILABLE = 14;
const GRPC_UNIMPLEMENTED = 12;

/**
 * A server that does not take server-side filters (older or partial implementations
 * of the protocol) answers a filtered request with INVALID_ARGUMENT or UNIMPLEMENTED,
 * which the client reports as an unknown error carrying that status code.
 */
export function refusesFilters(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof UnknownError && (code === GRPC_INVALID_ARGUMENT || code === GRPC_UNIMPLEMENTED);
}

/** Failures a subscription recovers from by resubscribing; the others end it. */
export function isTransientForSubscription(error: unknown): boolean {
  // Already translated (a read the subscription made first): only unavailability passes.
  if (error instanceof EventStoreError) return error instanceof EventStoreUnavailableError;
  return (
    isTransient(error) ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof UnknownError ||
    (error instanceof Error && !(error instanceof AccessDeniedError) && !isCommandError(error))
  );
}

function isCommandError(error: Error): boolean {
  return 'type' in error && typeof (error as { type?: unknown }).type === 'string';
}

function fromClientExpected(expected: unknown): ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
  return Number(expected);
}
