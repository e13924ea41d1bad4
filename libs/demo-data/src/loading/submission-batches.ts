import type { JsonValue } from '@timeline/kernel';
import type { SeedSubmission } from '../generator/seed-submission';

/** Limits of one batched request; the api's defaults are 100 events (MAX_BATCH_EVENTS) and 1 MiB (BODY_LIMIT_BYTES). */
export interface SubmissionBatchLimits {
  /** Most events in one request. */
  readonly maxEvents: number;
  /** Most bytes of events' JSON in one request (kept well under the body limit). */
  readonly maxBytes: number;
}

export const DEFAULT_BATCH_LIMITS: SubmissionBatchLimits = { maxEvents: 100, maxBytes: 512 * 1024 };

/**
 * Events that change what may be recorded after them — who has joined, the
 * operational phase, which events still stand (a retraction is refused while
 * live events depend on its target; a correction may change what an event
 * names): everything before one is sent first, and it goes alone.
 */
const BARRIER_TYPES = new Set([
  'OperationLaunched',
  'AgencyJoined',
  'OperationalPhaseEnded',
  'OperationClosed',
  'EventCorrected',
  'EventRetracted',
]);

/** Fields through which an event names another (a raid, an arrest, a report, an event): `raidId`, `reportRef`, `intelligenceRefs`. */
const REFERENCE_FIELD = /(Id|Ids|Ref|Refs)$/;

/** The identities an event names or holds: its id and the values of its reference fields, at any depth. */
function identitiesOf(submission: SeedSubmission): Set<string> {
  const found = new Set<string>();
  const visit = (value: JsonValue | undefined, referenceField: boolean): void => {
    if (typeof value === 'string') {
      if (referenceField) found.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, referenceField);
    } else if (value !== null && typeof value === 'object') {
      for (const [field, item] of Object.entries(value)) visit(item, REFERENCE_FIELD.test(field));
    }
  };
  for (const event of submission.events) {
    found.add(event.eventId);
    visit(event.data, false);
  }
  return found;
}

/** The ids of the events client retries send again (a dataset is generated again from its seed to find them). */
export function retriedEventIds(submissions: Iterable<SeedSubmission>): Set<string> {
  const retried = new Set<string>();
  for (const submission of submissions)
    if (submission.retry) for (const event of submission.events) retried.add(event.eventId);
  return retried;
}

interface OpenBatch {
  readonly submissions: SeedSubmission[];
  readonly identities: Set<string>;
  events: number;
  bytes: number;
}

/**
 * Submissions merged into fewer requests, each within the limits: an agency's
 * submissions of one operation are gathered into one request (a request records
 * as one principal), so a load through the api takes about as many requests as
 * the limits allow rather than one per submission, and stays far below the
 * per-principal rate limit.
 *
 * The order the operation's rules need is kept: a submission that names an event
 * (or a raid, arrest, report…) held in another agency's gathered batch is sent
 * after that batch; lifecycle events (launch, joins, phase end, closure),
 * corrections and retractions are sent alone, after everything before them. Client retries, and the submissions they
 * repeat, are sent alone and unchanged, so a retry is exactly the request it
 * repeats: `retried` names their events (`retriedEventIds` of the same submissions).
 */
export function* batchSubmissions(
  submissions: Iterable<SeedSubmission>,
  retried: ReadonlySet<string>,
  limits: SubmissionBatchLimits = DEFAULT_BATCH_LIMITS,
): Generator<SeedSubmission> {
  // Open batches by operation and agency, in the order they were opened.
  const open = new Map<string, OpenBatch>();
  const keyOf = (submission: SeedSubmission) => `${submission.operationId}\u0000${submission.agency}`;
  function* flush(key: string): Generator<SeedSubmission> {
    const batch = open.get(key);
    if (batch === undefined) return;
    open.delete(key);
    yield merged(batch.submissions);
  }
  function* flushOperation(operationId: string): Generator<SeedSubmission> {
    for (const key of [...open.keys()]) if (key.startsWith(`${operationId}\u0000`)) yield* flush(key);
  }

  for (const submission of submissions) {
    const alone =
      submission.retry ||
      submission.events.some((event) => BARRIER_TYPES.has(event.type) || retried.has(event.eventId));
    if (alone) {
      yield* flushOperation(submission.operationId);
      yield submission;
      continue;
    }
    const key = keyOf(submission);
    const identities = identitiesOf(submission);
    for (const [otherKey, batch] of [...open]) {
      if (otherKey === key || !otherKey.startsWith(`${submission.operationId}\u0000`)) continue;
      for (const identity of identities) {
        if (batch.identities.has(identity)) {
          yield* flush(otherKey);
          break;
        }
      }
    }
    const bytes = JSON.stringify(submission.events).length;
    let batch = open.get(key);
    if (
      batch &&
      (batch.events + submission.events.length > limits.maxEvents || batch.bytes + bytes > limits.maxBytes)
    ) {
      yield* flush(key);
      batch = undefined;
    }
    if (!batch) {
      batch = { submissions: [], identities: new Set(), events: 0, bytes: 0 };
      open.set(key, batch);
    }
    batch.submissions.push(submission);
    for (const identity of identities) batch.identities.add(identity);
    batch.events += submission.events.length;
    batch.bytes += bytes;
  }
  for (const key of [...open.keys()]) yield* flush(key);
}

function merged(submissions: readonly SeedSubmission[]): SeedSubmission {
  if (submissions.length === 1) return submissions[0];
  return { ...submissions[0], events: submissions.flatMap((submission) => submission.events) };
}
