import type { JsonObject } from '@timeline/kernel';
import type { EventLineage } from '@timeline/integrity';
import fc from 'fast-check';
import {
  agenciesNamedBy,
  mayViewIntelligence,
  redactEntryForPrincipal,
  redactEventForPrincipal,
  redactLineageForPrincipal,
  restrictionOf,
  WITHHELD_REASON,
} from './handling-code.policy';

const report = (grading: Record<string, unknown>, fromAgency = 'FR-GN') => ({
  type: 'IntelligenceReceived',
  agency: 'NCA',
  data: {
    reportRef: 'VEN-INT-0042',
    fromAgency,
    grading,
    priority: 'HIGH',
    threatToLife: true,
    subjects: ['SUBJ-7F3A'],
    region: 'north-west',
  },
});

const cCoded = report({
  source: 1,
  intelligence: 'A',
  handling: 'C',
  conditions: 'Share with NWP and TARIAN only',
});

describe('handling-code policy', () => {
  it('reads the agencies named by free-text conditions, as whole codes only', () => {
    expect(agenciesNamedBy('Share with NWP, TARIAN and FR-GN; not beyond')).toEqual([
      'FR-GN',
      'NWP',
      'TARIAN',
    ]);
    expect(agenciesNamedBy('NWPX and XNCA are not codes; nor is nca')).toEqual([]);
    expect(agenciesNamedBy('JIT-FR-NL members only')).toEqual(['JIT-FR-NL']);
    expect(agenciesNamedBy(undefined)).toEqual([]);
  });

  it('restricts a C-coded report to its originator, its recorder and the agencies its conditions name', () => {
    expect(restrictionOf(cCoded)).toEqual({ originators: ['FR-GN', 'NCA'], permitted: ['NWP', 'TARIAN'] });
    for (const agency of ['FR-GN', 'NCA', 'NWP', 'TARIAN'])
      expect(mayViewIntelligence({ agency }, cCoded)).toBe(true);
    for (const agency of ['GMP', 'MPS', 'NL-POLITIE'])
      expect(mayViewIntelligence({ agency }, cCoded)).toBe(false);
  });

  it('does not restrict P-coded reports or other events', () => {
    expect(restrictionOf(report({ source: 2, intelligence: 'B', handling: 'P' }))).toBeNull();
    expect(restrictionOf({ type: 'RaidConducted', data: { handling: 'C' } })).toBeNull();
  });

  it('reads the compact v1 grading and its conditions field too', () => {
    const v1 = {
      type: 'IntelligenceReceived',
      data: { fromAgency: 'NCA', grading: '1/A/C', handlingConditions: 'GMP only' },
    };
    expect(restrictionOf(v1)).toEqual({ originators: ['NCA'], permitted: ['GMP'] });
  });

  it('restricts a correction whose replacement is C-coded intelligence', () => {
    const correction = {
      type: 'EventCorrected',
      agency: 'NCA',
      data: {
        correctsEventId: 'x',
        correctedType: 'IntelligenceReceived',
        replacement: cCoded.data,
        reason: 'typo',
      },
    };
    expect(mayViewIntelligence({ agency: 'GMP' }, correction)).toBe(false);
    expect(mayViewIntelligence({ agency: 'NWP' }, correction)).toBe(true);
  });

  it('withholds the data but keeps what lets the event be counted, ordered and chained', () => {
    const stored = {
      ...cCoded,
      eventId: 'e-1',
      position: '17',
      hash: 'ab',
      occurredAt: '2020-06-13T06:00:00.000Z',
    };
    expect(redactEventForPrincipal({ agency: 'GMP' }, stored)).toEqual({
      type: 'IntelligenceReceived',
      agency: 'NCA',
      eventId: 'e-1',
      position: '17',
      hash: 'ab',
      occurredAt: '2020-06-13T06:00:00.000Z',
      data: { withheld: true, handling: 'C', reason: WITHHELD_REASON },
    });
    expect(redactEventForPrincipal({ agency: 'NWP' }, stored)).toBe(stored);
  });

  it('never lets a principal see details of a C-coded report it may not see (property)', () => {
    const agencies = ['NCA', 'NWP', 'GMP', 'MPS', 'TARIAN', 'FR-GN', 'NL-POLITIE'];
    const agency = fc.constantFrom(...agencies);
    const intelligence = fc.record({
      type: fc.constant('IntelligenceReceived'),
      agency,
      secret: fc.uuid(),
      handling: fc.constantFrom('P', 'C'),
      fromAgency: agency,
      named: fc.subarray(agencies),
      compact: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(intelligence, { maxLength: 20, selector: (r) => r.secret }),
        agency,
        (reports, viewer) => {
          const events = reports.map((r) => {
            const conditions =
              r.handling === 'C' ? `Share with ${r.named.join(', ') || 'nobody else'}` : undefined;
            const data = r.compact
              ? {
                  reportRef: r.secret,
                  fromAgency: r.fromAgency,
                  grading: `1/A/${r.handling}`,
                  handlingConditions: conditions,
                }
              : {
                  reportRef: r.secret,
                  fromAgency: r.fromAgency,
                  grading: { source: 1, intelligence: 'A', handling: r.handling, conditions },
                };
            return { type: r.type, agency: r.agency, data };
          });
          const shown = JSON.stringify(
            events.map((event) => redactEventForPrincipal({ agency: viewer }, event)),
          );
          reports.forEach((r) => {
            const entitled = r.handling === 'P' || [r.fromAgency, r.agency, ...r.named].includes(viewer);
            expect(shown.includes(r.secret)).toBe(entitled);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('redactEntryForPrincipal', () => {
  const entry = {
    eventId: 'e-1',
    type: 'IntelligenceReceived',
    agency: 'NCA',
    occurredAt: '2020-05-01T10:00:00Z',
    status: 'corrected',
    data: { ...cCoded.data, grading: { source: 1, intelligence: 'A', handling: 'P' } },
    history: [
      { version: 1, kind: 'recorded', agency: 'NCA', reason: null, data: cCoded.data },
      {
        version: 2,
        kind: 'corrected',
        agency: 'NCA',
        reason: 'downgraded: conditions lifted for TARIAN',
        data: { ...cCoded.data, grading: { source: 1, intelligence: 'A', handling: 'P' } },
      },
    ],
  };

  it('withholds every version of an entry when the principal may not see one of them', () => {
    expect(redactEntryForPrincipal({ agency: 'GMP' }, entry)).toEqual({
      ...entry,
      data: { withheld: true, handling: 'C', reason: WITHHELD_REASON },
      history: [
        {
          version: 1,
          kind: 'recorded',
          agency: 'NCA',
          reason: null,
          data: { withheld: true, handling: 'C', reason: WITHHELD_REASON },
        },
        {
          version: 2,
          kind: 'corrected',
          agency: 'NCA',
          reason: null,
          data: { withheld: true, handling: 'C', reason: WITHHELD_REASON },
        },
      ],
    });
  });

  it('leaves an entry whole for an agency the conditions name', () => {
    expect(redactEntryForPrincipal({ agency: 'TARIAN' }, entry)).toBe(entry);
  });

  it('leaves other entries alone', () => {
    const raid = { type: 'RaidConducted', agency: 'GMP', data: { raidId: 'R-1' } };
    expect(redactEntryForPrincipal({ agency: 'NWP' }, raid)).toBe(raid);
  });
});

describe('redactLineageForPrincipal', () => {
  const envelope = {
    eventId: '0190a6f0-0000-7000-8000-0000000000c1',
    schemaVersion: 2,
    operationId: 'venetic',
    streamRevision: 4,
    occurredAt: '2020-05-01T10:00:00.000Z',
    recordedAt: '2020-05-01T11:00:00.000Z',
    recordedBy: 'analyst-nca',
    agency: 'NCA',
    correlationId: 'corr-1',
    causationId: null,
    classification: 'OFFICIAL-SENSITIVE',
    prevHash: '0'.repeat(64),
    hash: 'a'.repeat(64),
    position: '5',
  } as const;
  const change = {
    eventId: '0190a6f0-0000-7000-8000-0000000000c2',
    streamRevision: 5,
    position: '6',
    occurredAt: '2020-05-02T10:00:00.000Z',
    recordedAt: '2020-05-02T10:00:00.000Z',
    recordedBy: 'analyst-nca',
    agency: 'NCA',
  };
  const lineage = (original: object, replacement: object): EventLineage => ({
    operationId: 'venetic',
    event: { ...envelope, type: 'IntelligenceReceived', data: original as JsonObject },
    status: 'corrected',
    currentData: replacement as JsonObject,
    changes: [
      {
        ...change,
        kind: 'correction',
        reason: 'Grading was 2/B, not 1/A',
        replacement: replacement as JsonObject,
      },
      { ...change, kind: 'retraction', reason: 'duplicate', note: null },
    ],
  });

  it('withholds the data and every correction’s reason when the principal may not see a version', () => {
    // A P-coded report corrected into a C-coded one: the correction's reason would tell what changed.
    const redacted = redactLineageForPrincipal(
      { agency: 'GMP' },
      lineage(report({ source: 1, intelligence: 'A', handling: 'P' }).data, cCoded.data),
    );
    expect(redacted.event.data).toEqual({ withheld: true, handling: 'C', reason: WITHHELD_REASON });
    expect(redacted.currentData).toEqual({ withheld: true, handling: 'C', reason: WITHHELD_REASON });
    expect(redacted.changes[0]).toEqual({
      ...change,
      kind: 'correction',
      reason: null,
      replacement: { withheld: true, handling: 'C', reason: WITHHELD_REASON },
    });
    // Who changed it, when, and the retraction stay.
    expect(redacted.changes[1]).toEqual({ ...change, kind: 'retraction', reason: 'duplicate', note: null });
  });

  it('leaves the lineage whole for an agency entitled to every version', () => {
    const whole = lineage(cCoded.data, cCoded.data);
    expect(redactLineageForPrincipal({ agency: 'NWP' }, whole)).toBe(whole);
  });
});
