import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import {
  EVENT_STORE,
  isAfter,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@timeline/event-store';
import { OPERATION_STREAM_PREFIX } from '@timeline/events';

/** The events that decide which agencies take part in an operation. */
export const MEMBERSHIP_EVENT_TYPES = [
  'OperationLaunched',
  'AgencyJoined',
  'EventCorrected',
  'EventRetracted',
] as const;

const PAGE = 1000;

interface OperationMembers {
  /** agency → ids of the events that made it a member (launch, joins). */
  readonly grants: Map<string, Set<string>>;
}

/**
 * Which agencies take part in which operation, folded from the store's global
 * log (launch: the lead and launching agencies; each AgencyJoined; a corrected
 * join counts for the agency it names now; a retracted join no longer counts). It reads only membership events, and only those
 * newer than what it has seen, whenever an answer would otherwise be "no": a
 * "yes" may be served from memory (membership only grows between retractions),
 * a "no" is always checked against the store, so a just-launched operation is
 * visible to its agency on the very next request. A live subscription keeps
 * the "yes" answers current (a retracted join stops counting within moments).
 */
@Injectable()
export class OperationMembership implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OperationMembership.name);
  private subscription: Subscription | null = null;
  private readonly operations = new Map<string, OperationMembers>();
  /** join/launch event id → where it granted membership, to undo it on retraction. */
  private readonly grantsByEvent = new Map<string, { operationId: string; agencies: string[] }>();
  private position: GlobalPosition | undefined;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onModuleInit(): Promise<void> {
    await this.catchUp();
    this.subscription = this.store
      .subscribeToAll({ after: this.position, filter: membershipFilter() })
      .subscribe({
        next: (message) => {
          if (message.kind === 'event') this.applyInOrder(message.event);
        },
        // Reads keep working without the subscription: a "no" always re-reads the store.
        error: (error: unknown) =>
          this.logger.error({ msg: 'membership subscription failed', error: String(error) }),
      });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  /** Whether the agency takes part in the operation (false when the operation does not exist). */
  async takesPart(operationId: string, agency: string): Promise<boolean> {
    if (this.knownMember(operationId, agency)) return true;
    await this.catchUp();
    return this.knownMember(operationId, agency);
  }

  /**
   * The answer from memory alone, for hot paths: true when the agency is known to
   * take part; false only means "not known yet" — ask `takesPart` then.
   */
  isKnownMember(operationId: string, agency: string): boolean {
    return this.knownMember(operationId, agency);
  }

  /** Whether the operation has been launched. */
  async exists(operationId: string): Promise<boolean> {
    if (this.operations.has(operationId)) return true;
    await this.catchUp();
    return this.operations.has(operationId);
  }

  /** The operations the agency takes part in, sorted by id. */
  async operationsOf(agency: string): Promise<string[]> {
    await this.catchUp();
    return [...this.operations.entries()]
      .filter(([, members]) => (members.grants.get(agency)?.size ?? 0) > 0)
      .map(([operationId]) => operationId)
      .sort();
  }

  /** The agencies taking part in the operation, sorted; empty when it does not exist. */
  async agenciesOf(operationId: string): Promise<string[]> {
    await this.catchUp();
    const members = this.operations.get(operationId);
    if (!members) return [];
    return [...members.grants.entries()]
      .filter(([, grants]) => grants.size > 0)
      .map(([agency]) => agency)
      .sort();
  }

  /**
   * Reads the membership events committed since the last read. Callers share a
   * read that starts after their call, never one already in flight (which could
   * miss a commit that happened just before the call).
   */
  catchUp(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    this.queued = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<void> {
    const run = this.readNewEvents().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async readNewEvents(): Promise<void> {
    for (;;) {
      const events = await this.store.readAll({
        after: this.position,
        maxCount: PAGE,
        filter: membershipFilter(),
      });
      for (const event of events) this.applyInOrder(event);
      if (events.length < PAGE) return;
    }
  }

  private knownMember(operationId: string, agency: string): boolean {
    return (this.operations.get(operationId)?.grants.get(agency)?.size ?? 0) > 0;
  }

  /** Both the subscription and catch-up reads feed here; each event counts once, in log order. */
  private applyInOrder(event: RecordedEvent): void {
    if (!isAfter(event.position, this.position)) return;
    this.position = event.position;
    this.apply(event);
  }

  private apply(event: RecordedEvent): void {
    if (!event.streamName.startsWith(OPERATION_STREAM_PREFIX)) return;
    const operationId = event.streamName.slice(OPERATION_STREAM_PREFIX.length);
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'OperationLaunched': {
        const recordingAgency = event.metadata['agency'];
        // A launch is never undone by a retraction: that would orphan the operation's own agencies.
        this.grant(operationId, event.eventId, [data['leadAgency'], recordingAgency], false);
        return;
      }
      case 'AgencyJoined':
        this.grant(operationId, event.eventId, [data['agency'] ?? data['agencyCode']], true);
        return;
      case 'EventCorrected': {
        const target = data['correctsEventId'];
        const replacement = data['replacement'];
        if (typeof target !== 'string' || replacement === null || typeof replacement !== 'object') return;
        const fields = replacement as Record<string, unknown>;
        if (data['correctedType'] === 'AgencyJoined') {
          const granted = this.grantsByEvent.get(target);
          if (!granted || granted.operationId !== operationId) return;
          this.revoke(operationId, target);
          this.grant(operationId, target, [fields['agency']], true);
        } else if (data['correctedType'] === 'OperationLaunched') {
          // A corrected lead agency joins; the agencies that launched it keep their access.
          this.grant(operationId, event.eventId, [fields['leadAgency']], false);
        }
        return;
      }
      case 'EventRetracted': {
        const target = data['retractsEventId'] ?? data['eventId'];
        if (typeof target !== 'string') return;
        const granted = this.grantsByEvent.get(target);
        if (!granted || granted.operationId !== operationId) return;
        this.revoke(operationId, target);
        return;
      }
    }
  }

  private revoke(operationId: string, eventId: string): void {
    const granted = this.grantsByEvent.get(eventId);
    if (!granted) return;
    const members = this.operations.get(operationId);
    for (const agency of granted.agencies) members?.grants.get(agency)?.delete(eventId);
    this.grantsByEvent.delete(eventId);
  }

  private grant(operationId: string, eventId: string, candidates: unknown[], revocable: boolean): void {
    let members = this.operations.get(operationId);
    if (!members) {
      members = { grants: new Map() };
      this.operations.set(operationId, members);
    }
    const agencies = [
      ...new Set(candidates.filter((agency): agency is string => typeof agency === 'string')),
    ];
    for (const agency of agencies) {
      let grants = members.grants.get(agency);
      if (!grants) {
        grants = new Set();
        members.grants.set(agency, grants);
      }
      grants.add(eventId);
    }
    if (revocable) this.grantsByEvent.set(eventId, { operationId, agencies });
  }
}

function membershipFilter() {
  return { eventTypes: [...MEMBERSHIP_EVENT_TYPES], streamNamePrefixes: [OPERATION_STREAM_PREFIX] };
}
