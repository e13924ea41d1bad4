import { TimelineError, type ErrorCategory } from '@timeline/kernel';

/**
 * Every rule the operation decider enforces, by stable code. `illegal-state`
 * (409) when the operation's state refuses the event whatever its content
 * (closed, already launched, a duplicate id); `rule-violated` (422) when the
 * event's content breaks a rule (a reference to nothing, a time in the future).
 */
export const OPERATION_RULES = {
  'operation.not-launched': {
    category: 'illegal-state',
    rule: 'The first event of an operation is OperationLaunched.',
  },
  'operation.already-launched': { category: 'illegal-state', rule: 'An operation is launched only once.' },
  'operation.duplicate-event-id': {
    category: 'illegal-state',
    rule: 'Event ids are unique within an operation.',
  },
  'operation.stale-schema-version': {
    category: 'rule-violated',
    rule: 'The decider takes data at the current schema version (validateEventData upcasts older versions).',
  },
  'operation.invalid-timestamp': {
    category: 'rule-violated',
    rule: 'Times are UTC timestamps such as 2020-06-13T05:30:00Z.',
  },
  'operation.occurred-in-future': {
    category: 'rule-violated',
    rule: 'Nothing is recorded as having happened after the moment of recording.',
  },
  'operation.agency-not-joined': {
    category: 'rule-violated',
    rule: 'Only agencies taking part in the operation record events in it (a member records the AgencyJoined that admits another), conduct its raids, make its arrests and seizures and mitigate its threats to life.',
  },
  'operation.agency-already-joined': {
    category: 'illegal-state',
    rule: 'An agency joins an operation once.',
  },
  'operation.classification-too-low': {
    category: 'rule-violated',
    rule: "An event is marked at least at its type's minimum, and a correction at least as high as the event it corrects.",
  },
  'operation.unknown-causation': {
    category: 'rule-violated',
    rule: 'A causation id names an event already in the operation.',
  },
  'operation.closed': {
    category: 'illegal-state',
    rule: 'After OperationClosed only corrections, retractions, charging decisions and court outcomes are recorded.',
  },
  'operation.operational-phase-ended': {
    category: 'illegal-state',
    rule: 'After OperationalPhaseEnded no raid, arrest or seizure is recorded.',
  },
  'operation.phase-already-ended': { category: 'illegal-state', rule: 'The operational phase ends once.' },
  'operation.dated-before-launch': {
    category: 'rule-violated',
    rule: "Nothing is dated before the operation's launch (its startedAt) but EncryptionCracked and IntelligenceReceived, the background that led to it; a corrected launch does not start after a recorded event.",
  },
  'operation.dated-before-reference': {
    category: 'rule-violated',
    rule: 'An event is not dated before what it refers to: a charge before its arrest, a court outcome before its charge, an arrest or seizure before the start of its raid, a dissemination or threat-to-life action before the intelligence report it acts on. (A raid may cite intelligence graded and recorded after it.)',
  },
  'operation.ended-before-last-event': {
    category: 'rule-violated',
    rule: 'OperationalPhaseEnded is not dated before the last raid, arrest or seizure, nor OperationClosed before the last event (corrections, retractions, charges and court outcomes may follow the closure).',
  },
  'operation.reference-already-used': {
    category: 'illegal-state',
    rule: 'Raid, arrest, seizure, report, OCG and threat-to-life ids are unique within the operation.',
  },
  'operation.unknown-reference': {
    category: 'rule-violated',
    rule: 'A referenced raid, arrest, intelligence report or OCG was recorded earlier in the operation.',
  },
  'operation.reference-retracted': {
    category: 'rule-violated',
    rule: 'A referenced raid, arrest, report or OCG is not retracted.',
  },
  'operation.raid-ends-before-start': {
    category: 'rule-violated',
    rule: 'A raid ends at or after its start.',
  },
  'operation.arrest-already-charged': {
    category: 'illegal-state',
    rule: 'An arrest has at most one charging decision.',
  },
  'operation.charge-not-brought': {
    category: 'rule-violated',
    rule: 'A court outcome follows the live charging decision on its arrest.',
  },
  'operation.outcome-already-recorded': {
    category: 'illegal-state',
    rule: 'A charge has at most one court outcome; correct it, or retract it and record another.',
  },
  'operation.unknown-event': {
    category: 'rule-violated',
    rule: 'A correction or retraction targets an event of the operation.',
  },
  'operation.correction-type-mismatch': {
    category: 'rule-violated',
    rule: 'A correction names the type of the event it corrects, and its replacement is data of that type.',
  },
  'operation.correction-changes-identity': {
    category: 'rule-violated',
    rule: 'A correction keeps the id of what the event recorded (raid id, arrest id, …); record a retraction and a new event instead.',
  },
  'operation.event-not-retractable': {
    category: 'rule-violated',
    rule: 'OperationLaunched, AgencyJoined, corrections, retractions and the lifecycle events cannot be retracted.',
  },
  'operation.event-retracted': {
    category: 'illegal-state',
    rule: 'A retracted event is neither corrected nor retracted again.',
  },
  'operation.retraction-has-dependants': {
    category: 'illegal-state',
    rule: 'An event is not retracted while live events depend on it (arrests and seizures at a raid, a charge on an arrest, a court outcome of a charge, raids on an OCG).',
  },
} as const satisfies Record<string, { category: ErrorCategory; rule: string }>;

export type OperationRuleCode = keyof typeof OPERATION_RULES;

/** Where in a command a violation sits, and what it is about. */
export interface OperationRuleContext {
  /** Index of the offending event in the command's batch. */
  readonly eventIndex: number;
  readonly eventId: string;
  readonly type: string;
  /** Field of the event at fault, e.g. `occurredAt`, `data.raidId`, `data.replacement.raidId`. */
  readonly path?: string;
  readonly [key: string]: unknown;
}

/** The operation refuses an event of a command; nothing of the command is recorded. */
export class OperationRuleError extends TimelineError {
  readonly code: OperationRuleCode;
  readonly category: ErrorCategory;

  constructor(
    code: OperationRuleCode,
    message: string,
    readonly context: OperationRuleContext,
  ) {
    super(message, { rule: OPERATION_RULES[code].rule, ...context });
    this.code = code;
    this.category = OPERATION_RULES[code].category;
  }

  get eventIndex(): number {
    return this.context.eventIndex;
  }
}
