// Small request builders with fixed values (docs/architecture.md §1, tests by kind): the wire format
// of POST /operations/{id}/events, shared by the write path's int-specs, the
// e2e suites and the HTTP benchmark.

/** One event of a request body. */
export interface EventRequest {
  readonly type: string;
  readonly occurredAt: string;
  readonly data: Record<string, unknown>;
  readonly eventId?: string;
  readonly classification?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly schemaVersion?: number;
}

/** A fixed UUID per number: `fixedId(7)` is always the same event id. */
export function fixedId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function launch(extra: Partial<EventRequest> = {}): EventRequest {
  return {
    type: 'OperationLaunched',
    occurredAt: '2020-03-26T09:00:00Z',
    data: {
      codename: 'VENETIC',
      leadAgency: 'NCA',
      startedAt: '2020-03-26T09:00:00Z',
      description: 'UK response to the EncroChat implant',
    },
    ...extra,
  };
}

export function agencyJoins(
  agency: string,
  region = 'wales',
  extra: Partial<EventRequest> = {},
): EventRequest {
  return { type: 'AgencyJoined', occurredAt: '2020-04-01T09:00:00Z', data: { agency, region }, ...extra };
}

export function raid(raidId: string, extra: Partial<EventRequest> = {}): EventRequest {
  return {
    type: 'RaidConducted',
    occurredAt: '2020-06-15T05:30:00Z',
    data: {
      raidId,
      force: 'NWP',
      postcodeDistrict: 'LL11',
      legalPower: 'mda-s23-warrant',
      startedAt: '2020-06-15T05:30:00Z',
      endedAt: '2020-06-15T11:45:00Z',
      officers: 24,
    },
    ...extra,
  };
}

export function arrest(arrestId: string, raidId?: string, extra: Partial<EventRequest> = {}): EventRequest {
  return {
    type: 'ArrestMade',
    occurredAt: '2020-06-15T06:10:00Z',
    data: {
      arrestId,
      subjectId: 'SUBJ-7F3K2',
      suspectedOffences: ['conspiracy-to-supply-class-a'],
      force: 'NWP',
      ...(raidId === undefined ? {} : { raidId }),
    },
    ...extra,
  };
}

export function seizure(seizureId: string, raidId?: string, extra: Partial<EventRequest> = {}): EventRequest {
  return {
    type: 'SeizureRecorded',
    occurredAt: '2020-06-15T07:00:00Z',
    data: {
      seizureId,
      ...(raidId === undefined ? {} : { raidId }),
      seizedBy: 'NWP',
      postcodeDistrict: 'LL11',
      drugs: [{ drugType: 'cocaine', quantity: 2.35, unit: 'kg', purity: { testStatus: 'untested' } }],
      cash: [{ amountPence: 4_275_000, power: 'poca-s294' }],
    },
    ...extra,
  };
}

/** `{ events: [...] }`, optionally with an expected revision. */
export function body(events: readonly EventRequest[], expectedRevision?: number): Record<string, unknown> {
  return expectedRevision === undefined ? { events } : { events, expectedRevision };
}
