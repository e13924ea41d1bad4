/**
 * The operation's decider (docs/architecture.md §1): pure functions, no I/O, no clock,
 * no random ids.
 *
 * - `operationDecider`, an `OperationDecider`: a `Decider<RecordEventsCommand,
 *   OperationEvent, OperationState>` (libs/kernel), the one shape the write path
 *   runs: `initialState`, `decide(command, state) → OperationEvent[]`,
 *   `evolve(state, event)` and `fold`.
 * - `RecordEventsCommand` / `ProposedEvent`: what the write path passes in;
 *   `OperationEvent`: what the decider decides and folds.
 * - `decideAndEvolve`, which also returns the state after the batch (for tests
 *   that walk a history); `foldOperation(events, from?)` loads a long stream at
 *   once (same result as reducing with `evolveOperation`, faster).
 * - `OperationRuleError` with `code` from `OPERATION_RULES` (each with its
 *   category and rule text), `context.eventIndex` and `context.path`.
 * - `LayeredMap`, the state's persistent maps over a shared mutable base, and
 *   `settleOperation` (the decider's `settle`), which only the owner of the
 *   committed state calls.
 * - `hasRecordedEvent(state, eventId)` and `revisionOfEvent(state, eventId)` (the
 *   decider's `revisionOf`) to tell an idempotent retry and where it is stored.
 */
export * from './collections/layered-map';
export * from './operation/operation.command';
export * from './operation/operation.decider';
export * from './operation/operation.errors';
export * from './operation/operation.state';
export * from './operation/operation.state-snapshot';
