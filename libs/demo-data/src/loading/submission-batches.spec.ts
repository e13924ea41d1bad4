import { DemoDataset } from '../generator/demo-dataset';
import type { SeedSubmission } from '../generator/seed-submission';
import { batchSubmissions, retriedEventIds } from './submission-batches';

/** The identities an event names through its reference fields (and its own id). */
function namedBy(submission: SeedSubmission): string[] {
  const names: string[] = [];
  const visit = (value: unknown, reference: boolean): void => {
    if (typeof value === 'string') {
      if (reference) names.push(value);
    } else if (Array.isArray(value)) value.forEach((item) => visit(item, reference));
    else if (value !== null && typeof value === 'object')
      for (const [field, item] of Object.entries(value)) visit(item, /(Id|Ids|Ref|Refs)$/.test(field));
  };
  submission.events.forEach((event) => visit(event.data, false));
  return names;
}

describe('batchSubmissions', () => {
  const original = [...new DemoDataset()];
  const retried = retriedEventIds(new DemoDataset());
  const batches = [...batchSubmissions(new DemoDataset(), retried, { maxEvents: 100, maxBytes: 256 * 1024 })];

  it('sends every event once, in requests of one agency within the limits, far fewer than the submissions', () => {
    const sent = batches.flatMap((batch) => batch.events.map((event) => event.eventId));
    const expected = original.flatMap((submission) => submission.events.map((event) => event.eventId));
    expect([...sent].sort()).toEqual([...expected].sort());
    for (const batch of batches) {
      expect(batch.events.length).toBeLessThanOrEqual(100);
      expect(JSON.stringify(batch.events).length).toBeLessThanOrEqual(256 * 1024);
    }
    // Each event keeps the agency of the submission it came from.
    const agencyOf = new Map(
      original.flatMap((submission) => submission.events.map((event) => [event.eventId, submission.agency])),
    );
    for (const batch of batches)
      for (const event of batch.events) expect(agencyOf.get(event.eventId)).toBe(batch.agency);
    expect(original.length).toBeGreaterThan(8_000);
    expect(batches.length).toBeLessThan(original.length / 4);
  });

  it('sends retries, and what they repeat, alone and unchanged', () => {
    const retries = original.filter((submission) => submission.retry);
    expect(retries.length).toBeGreaterThan(0);
    for (const retry of retries) {
      const ids = retry.events.map((event) => event.eventId);
      const sent = batches.filter((batch) => batch.events.some((event) => ids.includes(event.eventId)));
      // The original, then the retry: the same events both times.
      expect(sent.map((batch) => batch.events.map((event) => event.eventId))).toEqual([ids, ids]);
    }
  });

  it('sends whatever a submission names before it, and lifecycle events, corrections and retractions after everything before them', () => {
    const sentAt = new Map<string, number>();
    batches.forEach((batch, index) => {
      for (const submission of [batch])
        for (const event of submission.events)
          if (!sentAt.has(event.eventId)) sentAt.set(event.eventId, index);
    });
    const batchOfSubmission = (submission: SeedSubmission) => sentAt.get(submission.events[0].eventId)!;
    // Where each identity was first introduced, in the original order.
    const introducedBy = new Map<string, SeedSubmission>();
    for (const submission of original) {
      if (submission.retry) continue;
      for (const name of [...submission.events.map((event) => event.eventId), ...namedBy(submission)])
        if (!introducedBy.has(name)) introducedBy.set(name, submission);
      for (const name of namedBy(submission)) {
        const introduced = introducedBy.get(name)!;
        expect(batchOfSubmission(introduced)).toBeLessThanOrEqual(batchOfSubmission(submission));
      }
    }
    const barriers = new Set([
      'OperationLaunched',
      'AgencyJoined',
      'OperationalPhaseEnded',
      'OperationClosed',
      'EventCorrected',
      'EventRetracted',
    ]);
    let latestBefore = -1;
    for (const submission of original) {
      const at = batchOfSubmission(submission);
      if (submission.events.some((event) => barriers.has(event.type))) {
        expect(batches[at].events.length).toBe(submission.events.length);
        expect(latestBefore).toBeLessThan(at);
      }
      latestBefore = Math.max(latestBefore, at);
    }
  });
});
