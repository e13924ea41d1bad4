/**
 * The operation's decider (docs/architecture.md §1): pure functions, no I/O, no clock,
 * no random ids.
 *
 * - `initialOperationState()`, `evolveOperation(state, event)`,
 *   `decideOperation(command, state) → DecidedEvent[]`, and `decideAndEvolve`
 *   which also returns the state after the batch (the write path caches it).
 * - `RecordEventsCommand` / `CommandEvent`: what the write path passes in.
 * - `OperationRuleError` with `code` from `OPERATION_RULES` (each with its
 *   category and rule text), `context.eventIndex` and `context.path`.
 * - `foldOperation(events, from?)` to load a long stream at once (same result as
 *   reducing with `evolveOperation`, faster).
 * - `hasRecordedEvent(state, eventId)` to tell an idempotent retry.
 */
export * from './operation/operation.command';
export * from './operation/operation.decider';
export * from './operation/operation.errors';
export * from './operation/operation.state';
