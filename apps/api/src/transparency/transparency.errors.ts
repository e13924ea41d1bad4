import { TimelineError, type ErrorCategory } from '@timeline/kernel';

/** A field-level problem of a transparency query parameter. */
export interface TransparencyFieldError {
  readonly path: string;
  readonly constraint: string;
  readonly message: string;
}

/** A query parameter of a proof route is malformed, or names a tree the log does not have. */
export class InvalidTransparencyQueryError extends TimelineError {
  readonly code = 'transparency.invalid-query';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(readonly errors: readonly TransparencyFieldError[]) {
    super(`Invalid query: ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, { errors });
  }
}

/** No tree head has been issued yet (none since start-up, or no signing key is configured). */
export class NoTreeHeadError extends TimelineError {
  readonly code = 'transparency.no-tree-head';
  readonly category: ErrorCategory = 'not-found';

  constructor() {
    super('No tree head has been issued since the service started');
  }
}

/** Heads cannot be signed: no key is configured (TREE_HEAD_SIGNING_KEY_FILE or TREE_HEAD_SIGNING_KEY). */
export class TreeHeadSigningDisabledError extends TimelineError {
  readonly code = 'transparency.signing-not-configured';
  readonly category: ErrorCategory = 'illegal-state';

  constructor() {
    super('Tree heads cannot be issued: no signing key is configured (TREE_HEAD_SIGNING_KEY_FILE)');
  }
}

/**
 * The tree holds a leaf the event log no longer holds (the log was cut short,
 * rewritten or replaced): the tree is kept as evidence and no head is issued.
 * Details name the leaf (its index and position).
 */
export class MerkleLogDivergedError extends TimelineError {
  readonly code = 'transparency.log-diverged';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(details: object) {
    super('The event log no longer holds a leaf of the Merkle tree as the tree does; no head is issued', {
      ...details,
    });
  }
}

/**
 * The tree is still being opened or catching up with the log after a start
 * (seconds at a million events): no proof or head until it has caught up.
 */
export class TransparencyCatchingUpError extends TimelineError {
  readonly code = 'transparency.catching-up';
  readonly category: ErrorCategory = 'unavailable';

  constructor(details: { state: string; treeSize: number }) {
    super(
      `The Merkle tree is ${details.state}: proofs and heads are served once it has caught up with the log after a start`,
      details,
    );
  }
}

/** The event exists but its leaf is not (yet) in the tree. */
export class EventNotInTreeError extends TimelineError {
  readonly code = 'transparency.event-not-in-tree';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(eventId: string, position: string) {
    super(`Event ${eventId} (position ${position}) is not in the Merkle tree yet`, { eventId, position });
  }
}

/** The operation holds no event with this id (or the caller may not know it does). */
export class ProofEventNotFoundError extends TimelineError {
  readonly code = 'transparency.event-not-found';
  readonly category: ErrorCategory = 'not-found';

  constructor(operationId: string, eventId: string) {
    super(`Operation ${operationId} has no event ${eventId}`, { operationId, eventId });
  }
}

/**
 * The tree holds another leaf for the event than the hash the store now holds
 * for it: the stored event was changed after it was added to the tree.
 */
export class LeafMismatchError extends TimelineError {
  readonly code = 'transparency.leaf-mismatch';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(details: { eventId: string; leafIndex: number; treeHolds: string; storeHolds: string }) {
    super(
      `The store's hash of event ${details.eventId} is not the leaf the Merkle tree holds for it (leaf ${details.leafIndex}): the event was changed after it was logged`,
      details,
    );
  }
}
