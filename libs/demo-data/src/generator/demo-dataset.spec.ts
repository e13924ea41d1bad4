import { createHash } from 'node:crypto';
import {
  decideAndEvolve,
  hasRecordedEvent,
  initialOperationState,
  type ProposedEvent,
  type OperationState,
} from '@timeline/domain';
import { EVENT_CATALOGUE, isEventType, validateEventData } from '@timeline/events';
import { DemoDataset, type DemoDatasetOptions } from './demo-dataset';
import { toRequestBody, type SeedSubmission } from './seed-submission';

function digest(options: DemoDatasetOptions): { hash: string; submissions: number } {
  const hash = createHash('sha256');
  let submissions = 0;
  for (const submission of new DemoDataset(options)) {
    hash.update(JSON.stringify(submission));
    submissions++;
  }
  return { hash: hash.digest('hex'), submissions };
}

/**
 * Loads a dataset the way the write path does, without I/O: each submission's
 * events validated by the published contract, then decided by the operation's
 * rules against the state evolved so far, with the submission's recording time
 * as "now". A retried submission must consist only of events already recorded.
 */
function decideAll(dataset: DemoDataset): { states: Map<string, OperationState>; retries: number } {
  const states = new Map<string, OperationState>();
  let retries = 0;
  for (const submission of dataset) {
    const state = states.get(submission.operationId) ?? initialOperationState();
    if (submission.retry) {
      for (const event of submission.events) expect(hasRecordedEvent(state, event.eventId)).toBe(true);
      retries++;
      continue;
    }
    const events = submission.events.map((event, index): ProposedEvent => {
      if (!isEventType(event.type)) throw new Error(`unknown type ${event.type}`);
      const version = EVENT_CATALOGUE[event.type].currentVersion;
      const validation = validateEventData(event.type, version, event.data);
      if (!validation.ok) {
        throw new Error(
          `${where(submission)} event ${index} ${event.type}: ${JSON.stringify(validation.errors)}`,
        );
      }
      return {
        eventId: event.eventId,
        type: event.type,
        schemaVersion: version,
        occurredAt: event.occurredAt,
        data: validation.data,
        classification: event.classification,
        causationId: event.causationId ?? null,
      } as ProposedEvent;
    });
    try {
      const decided = decideAndEvolve(
        {
          operationId: submission.operationId,
          now: submission.recordedAt,
          recorder: { subject: submission.subject, agency: submission.agency },
          events,
        },
        state,
      );
      states.set(submission.operationId, decided.state);
    } catch (error) {
      throw new Error(
        `${where(submission)} refused: ${String(error)} ${JSON.stringify((error as { details?: unknown }).details)}`,
      );
    }
  }
  return { states, retries };
}

function where(submission: SeedSubmission): string {
  return `${submission.operationId} ${submission.agency} at ${submission.recordedAt}`;
}

describe('DemoDataset', () => {
  it('is deterministic: the same seed gives byte-identical submissions, another seed others', () => {
    const first = digest({ variant: 'demo', seed: 7, scale: 0.25 });
    const again = digest({ variant: 'demo', seed: 7, scale: 0.25 });
    const other = digest({ variant: 'demo', seed: 8, scale: 0.25 });
    expect(again).toEqual(first);
    expect(other.hash).not.toBe(first.hash);
  });

  it('produces the published demo operation exactly for the default seed', () => {
    const dataset = new DemoDataset();
    let submissions = 0;
    let events = 0;
    for (const submission of dataset) {
      submissions++;
      events += submission.events.length;
    }
    const [picture] = dataset.expected().operations;
    // 148 court outcomes came after the rest (one submission each, never retried): 8,178 and 9,899 before them.
    expect({ submissions, events }).toEqual({ submissions: 8326, events: 10047 });
    expect(picture.operationId).toBe('venetic');
    expect(picture.events).toBe(9999);
    expect(picture.eventsByType).toEqual({
      AgencyJoined: 14,
      ArrestMade: 748,
      ChargeBrought: 225,
      ChargeOutcomeRecorded: 148,
      EncryptionCracked: 1,
      EventCorrected: 143,
      EventRetracted: 29,
      IntelligenceDisseminated: 4381,
      IntelligenceReceived: 2028,
      OperationLaunched: 1,
      OrganisedCrimeGroupIdentified: 50,
      RaidConducted: 800,
      SeizureRecorded: 1206,
      ThreatToLifeMitigated: 225,
    });
    expect(picture.retriedSubmissions).toBe(40);
    expect(picture.cashPence).toBe(5605821898);
    expect(picture.drugs.totalKg).toBe(2011.862);
    expect(picture.firearms.total).toBe(74);
    expect(picture.firearms.rounds).toBe(2184);
    expect(picture.courtOutcomes).toEqual({ acquitted: 11, convicted: 122, discontinued: 15 });
    expect(picture.custodialMonths).toBe(11671);
  });

  it('emits request bodies in the shape of POST /operations/{id}/events', () => {
    const [first] = new DemoDataset({ scale: 0.05 });
    expect(first.agency).toBe('NCA');
    expect(first.subject).toBe('recorder.nca');
    expect(toRequestBody(first)).toEqual({
      events: [
        {
          type: 'OperationLaunched',
          eventId: first.events[0].eventId,
          occurredAt: '2020-04-01T08:00:00.000Z',
          data: expect.objectContaining({
            codename: 'VENETIC',
            leadAgency: 'NCA',
            startedAt: '2020-04-01T08:00:00.000Z',
          }),
          correlationId: first.events[0].correlationId,
          classification: 'OFFICIAL',
        },
      ],
    });
  });

  it('loads in recording order, never recording an event before it occurred', () => {
    let previous = 0;
    for (const submission of new DemoDataset({ scale: 0.3 })) {
      expect(submission.recordedAtMs).toBeGreaterThanOrEqual(previous);
      previous = submission.recordedAtMs;
      for (const event of submission.events)
        expect(Date.parse(event.occurredAt)).toBeLessThanOrEqual(submission.recordedAtMs);
    }
  });

  it('passes the event contract and every rule of the operation, for the whole demo operation', () => {
    const dataset = new DemoDataset();
    const { states, retries } = decideAll(dataset);
    expect(states.size).toBe(1);
    expect(retries).toBe(dataset.expected().operations[0].retriedSubmissions);
  });

  it('passes them too for scaled-down wide and deep variants', () => {
    const wide = new DemoDataset({ variant: 'wide', operations: 4, scale: 0.1, seed: 3 });
    expect(decideAll(wide).states.size).toBe(4);
    const deep = new DemoDataset({ variant: 'deep', scale: 0.01, seed: 3 });
    expect(decideAll(deep).states.size).toBe(1);
  });

  it('refuses options it cannot honour', () => {
    expect(() => new DemoDataset({ seed: -1 })).toThrow(RangeError);
    expect(() => new DemoDataset({ seed: 1.5 })).toThrow(RangeError);
    expect(() => new DemoDataset({ scale: 0 })).toThrow(RangeError);
    expect(() => new DemoDataset({ scale: 2 })).toThrow(RangeError);
    expect(() => new DemoDataset({ variant: 'huge' as never })).toThrow(RangeError);
  });
});
