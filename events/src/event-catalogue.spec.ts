import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_CATALOGUE, toStoredEventData, validateEventData } from './event-catalogue';
import { EVENT_TYPES } from './event-types';
import { DRUG_TYPES, drugClassOf } from './vocabulary/drug.vocabulary';

const example = (type: string, version = 1): Record<string, unknown> =>
  JSON.parse(
    readFileSync(join(__dirname, '..', 'catalogue', type, `v${version}.example.json`), 'utf8'),
  ) as Record<string, unknown>;

function errorsOf(type: string, version: number, data: unknown) {
  const result = validateEventData(type, version, data);
  if (result.ok) throw new Error(`expected ${type} v${version} data to be refused`);
  return result;
}

const raid = () => example('RaidConducted');
const seizure = () => example('SeizureRecorded') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the catalogue', () => {
  it('defines every event type of the design, each with consecutive versions', () => {
    expect(Object.keys(EVENT_CATALOGUE)).toEqual([...EVENT_TYPES]);
    for (const type of EVENT_TYPES) {
      const { versions, currentVersion } = EVENT_CATALOGUE[type];
      expect(versions.map((v) => v.version)).toEqual(Array.from({ length: currentVersion }, (_, i) => i + 1));
      // Every version but the current one has an upcaster to the next.
      expect(versions.map((v) => v.upcast !== undefined)).toEqual(
        versions.map((v) => v.version < currentVersion),
      );
    }
    expect(EVENT_CATALOGUE.IntelligenceReceived.currentVersion).toBe(2);
  });

  it('derives Misuse of Drugs Act classes from drug types', () => {
    expect(DRUG_TYPES.map((type) => [type, drugClassOf(type)])).toEqual([
      ['heroin', 'A'],
      ['cocaine', 'A'],
      ['crack-cocaine', 'A'],
      ['mdma', 'A'],
      ['lsd', 'A'],
      ['methamphetamine', 'A'],
      ['magic-mushrooms', 'A'],
      ['cannabis', 'B'],
      ['cannabis-resin', 'B'],
      ['ketamine', 'B'],
      ['amphetamine', 'B'],
      ['synthetic-cannabinoids', 'B'],
      ['etizolam', 'C'],
      ['diazepam', 'C'],
      ['ghb', 'C'],
      ['anabolic-steroids', 'C'],
    ]);
  });
});

describe('validateEventData', () => {
  it('names an unknown type and an unpublished version', () => {
    expect(errorsOf('RaidPlanned', 1, {})).toEqual({
      ok: false,
      reason: 'unknown-type',
      errors: [
        {
          path: '',
          constraint: 'isKnownEventType',
          message: expect.stringContaining('unknown event type "RaidPlanned"'),
        },
      ],
    });
    expect(errorsOf('RaidConducted', 2, raid())).toEqual({
      ok: false,
      reason: 'unsupported-version',
      errors: [
        {
          path: '',
          constraint: 'isSupportedSchemaVersion',
          message: 'RaidConducted has schema versions 1 to 1; 2 is not one of them',
        },
      ],
    });
  });

  it('refuses data that is not an object', () => {
    for (const data of [null, 'raid', 7, [raid()]]) {
      expect(errorsOf('RaidConducted', 1, data).errors).toEqual([
        { path: '', constraint: 'isObject', message: 'data must be a JSON object' },
      ]);
    }
  });

  it('refuses unknown fields at any depth, and a client-sent drug class', () => {
    const data = seizure();
    data['recordedBy'] = 'someone';
    data['drugs'][0]['drugClass'] = 'A';
    expect(errorsOf('SeizureRecorded', 1, data).errors).toEqual([
      { path: 'recordedBy', constraint: 'whitelistValidation', message: 'recordedBy should not exist' },
      {
        path: 'drugs[0].drugClass',
        constraint: 'whitelistValidation',
        message: 'drugClass should not exist',
      },
    ]);
  });

  it('reports one error per missing field: that it is required', () => {
    expect(errorsOf('ChargeBrought', 1, {}).errors).toEqual([
      { path: 'arrestId', constraint: 'isDefined', message: 'arrestId is required' },
      { path: 'offences', constraint: 'isDefined', message: 'offences is required' },
      { path: 'decidedBy', constraint: 'isDefined', message: 'decidedBy is required' },
      { path: 'remandedInCustody', constraint: 'isDefined', message: 'remandedInCustody is required' },
    ]);
  });

  it('bounds strings and lists', () => {
    const launched = { ...example('OperationLaunched'), description: 'x'.repeat(2001) };
    expect(errorsOf('OperationLaunched', 1, launched).errors).toEqual([
      {
        path: 'description',
        constraint: 'maxLength',
        message: 'description must be shorter than or equal to 2000 characters',
      },
    ]);
    const report = {
      ...example('IntelligenceReceived', 2),
      subjects: Array.from({ length: 51 }, (_, i) => `SUBJ-${i}`),
    };
    expect(errorsOf('IntelligenceReceived', 2, report).errors).toEqual([
      {
        path: 'subjects',
        constraint: 'arrayMaxSize',
        message: 'subjects must contain no more than 50 elements',
      },
    ]);
  });

  it('accepts UTC timestamps with or without milliseconds and returns them normalised', () => {
    const result = validateEventData('RaidConducted', 1, {
      ...raid(),
      startedAt: '2020-06-15T05:30:00Z',
      endedAt: '2020-06-15T11:45:00.5Z',
    });
    expect(result).toMatchObject({
      ok: true,
      data: { startedAt: '2020-06-15T05:30:00.000Z', endedAt: '2020-06-15T11:45:00.500Z' },
    });
  });

  it('refuses local times, dates without a time and days that do not exist', () => {
    const cases: [string, string][] = [
      ['2020-06-15T05:30:00+01:00', 'matches'],
      ['2020-06-15', 'matches'],
      ['2020-02-30T05:30:00Z', 'isRealInstant'],
    ];
    for (const [startedAt, constraint] of cases) {
      expect(
        errorsOf('RaidConducted', 1, { ...raid(), startedAt }).errors.map((e) => [e.path, e.constraint]),
      ).toEqual([['startedAt', constraint]]);
    }
  });

  it('validates postcode districts, not full postcodes', () => {
    for (const good of ['LL11', 'M1', 'SW1A', 'EC1V', 'CH5'])
      expect(validateEventData('RaidConducted', 1, { ...raid(), postcodeDistrict: good }).ok).toBe(true);
    for (const bad of ['LL11 2AB', 'll11', '11LL', 'L', '']) {
      expect(
        errorsOf('RaidConducted', 1, { ...raid(), postcodeDistrict: bad }).errors.map((e) => e.path),
      ).toEqual(['postcodeDistrict']);
    }
  });

  describe('3x5x2 grading', () => {
    const report = () => example('IntelligenceReceived', 2) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

    it('requires conditions when handling is C and forbids them otherwise', () => {
      const missing = report();
      delete missing['grading']['conditions'];
      expect(errorsOf('IntelligenceReceived', 2, missing).errors).toEqual([
        {
          path: 'grading.conditions',
          constraint: 'presentOnlyWhen',
          message: 'conditions is required when handling is C',
        },
      ]);
      const extra = report();
      extra['grading']['handling'] = 'P';
      expect(errorsOf('IntelligenceReceived', 2, extra).errors).toEqual([
        {
          path: 'grading.conditions',
          constraint: 'presentOnlyWhen',
          message: 'conditions is only allowed when handling is C',
        },
      ]);
    });

    it('requires HIGH priority for a threat to life', () => {
      expect(
        errorsOf('IntelligenceReceived', 2, { ...report(), threatToLife: true, priority: 'LOW' }).errors,
      ).toEqual([
        {
          path: 'priority',
          constraint: 'highPriorityWhenThreatToLife',
          message: 'priority must be HIGH when threatToLife is true',
        },
      ]);
    });

    it('refuses grades outside 1-3, A-E, P/C', () => {
      const bad = report();
      bad['grading'] = { source: 4, intelligence: 'F', handling: 'X' };
      expect(errorsOf('IntelligenceReceived', 2, bad).errors.map((e) => [e.path, e.constraint])).toEqual([
        ['grading.source', 'isIn'],
        ['grading.intelligence', 'isIn'],
        ['grading.handling', 'isIn'],
      ]);
      expect(
        errorsOf('IntelligenceReceived', 1, {
          ...example('IntelligenceReceived', 1),
          grading: '1/A',
        }).errors.map((e) => e.path),
      ).toEqual([
        'grading',
        // Without a readable handling code the conditions cannot be allowed either.
        'handlingConditions',
      ]);
    });
  });

  describe('seizures', () => {
    it('needs at least one line', () => {
      const { drugs: _d, firearms: _f, cash: _c, other: _o, ...empty } = seizure();
      expect(errorsOf('SeizureRecorded', 1, empty).errors).toEqual([
        {
          path: '',
          constraint: 'atLeastOneLine',
          message: 'a seizure needs at least one line: drugs, firearms, cash or other',
        },
      ]);
    });

    it('measures each drug in its own units, counted units in whole numbers', () => {
      const data = seizure();
      data['drugs'][0] = {
        drugType: 'heroin',
        quantity: 3,
        unit: 'plants',
        purity: { testStatus: 'untested' },
      };
      data['drugs'][1]['quantity'] = 140.5;
      expect(errorsOf('SeizureRecorded', 1, data).errors).toEqual([
        { path: 'drugs[0].unit', constraint: 'unitOfDrugType', message: 'unit must be one of kg for heroin' },
        {
          path: 'drugs[1].quantity',
          constraint: 'wholeWhenCounted',
          message: 'quantity must be a whole number of plants',
        },
      ]);
    });

    it('keeps cash in integer pence, at least £1,000 under POCA s294', () => {
      const data = seizure();
      data['cash'] = [
        { amountPence: 99_999, power: 'poca-s294' },
        { amountPence: 12.5, power: 'pace-s19' },
      ];
      expect(errorsOf('SeizureRecorded', 1, data).errors).toEqual([
        {
          path: 'cash[0].amountPence',
          constraint: 'pocaS294Minimum',
          message: 'amountPence must be at least 100000 (£1,000) for a seizure under POCA s294',
        },
        {
          path: 'cash[1].amountPence',
          constraint: 'isInt',
          message: 'amountPence must be an integer',
        },
      ]);
    });

    it('requires a weapon or a round on a firearms line', () => {
      const data = seizure();
      data['firearms'] = [{ category: 's1', count: 0, rounds: 0 }];
      expect(errorsOf('SeizureRecorded', 1, data).errors).toEqual([
        {
          path: 'firearms[0].count',
          constraint: 'weaponOrRounds',
          message: 'a firearms line must record at least one weapon or one round',
        },
      ]);
    });

    it('stores every drug line with its class', () => {
      const result = validateEventData('SeizureRecorded', 1, seizure());
      if (!result.ok) throw new Error('example refused');
      const stored = toStoredEventData('SeizureRecorded', result.data);
      expect(stored.drugs?.map((line) => [line.drugType, line.drugClass])).toEqual([
        ['cocaine', 'A'],
        ['cannabis', 'B'],
        ['etizolam', 'C'],
      ]);
      expect({ ...stored, drugs: undefined }).toEqual({ ...result.data, drugs: undefined });
    });
  });

  describe('corrections', () => {
    it('validates the replacement as current data of the corrected type, under replacement.', () => {
      const correction = example('EventCorrected') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      correction['replacement']['raidId'] = 7;
      correction['replacement']['arrestedBy'] = 'NWP';
      expect(errorsOf('EventCorrected', 1, correction).errors).toEqual([
        {
          path: 'replacement.arrestedBy',
          constraint: 'whitelistValidation',
          message: 'arrestedBy should not exist',
        },
        { path: 'replacement.raidId', constraint: 'isString', message: 'raidId must be a string' },
      ]);
    });

    it('refuses corrections of corrections, retractions and lifecycle events', () => {
      for (const correctedType of [
        'EventCorrected',
        'EventRetracted',
        'OperationalPhaseEnded',
        'OperationClosed',
      ]) {
        expect(
          errorsOf('EventCorrected', 1, { ...example('EventCorrected'), correctedType }).errors.map((e) => [
            e.path,
            e.constraint,
          ]),
        ).toEqual([['correctedType', 'isIn']]);
      }
    });

    it('stores the replacement in stored shape with its schema version', () => {
      const correction = {
        ...example('EventCorrected'),
        correctedType: 'SeizureRecorded',
        replacement: seizure(),
      };
      const result = validateEventData('EventCorrected', 1, correction);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      const stored = toStoredEventData('EventCorrected', result.data) as unknown as {
        replacement: { drugs: { drugClass: string }[] };
        replacementSchemaVersion: number;
      };
      expect(stored.replacementSchemaVersion).toBe(1);
      expect(stored.replacement.drugs.map((line) => line.drugClass)).toEqual(['A', 'B', 'C']);
    });
  });

  it('refuses prototype keys and absurd nesting without touching any prototype', () => {
    expect(errorsOf('RaidConducted', 1, JSON.parse('{"__proto__": {"polluted": true}}')).errors).toEqual([
      { path: '__proto__', constraint: 'whitelistValidation', message: '__proto__ should not exist' },
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20; i += 1) deep = (deep['x'] = {}) as Record<string, unknown>;
    expect(errorsOf('RaidConducted', 1, root).errors.map((e) => e.constraint)).toEqual(['maxDepth']);
  });
});
