import { escapeRegex, exactStreamFilter, planFilter } from './eventstoredb.filter';

const event = (type: string, streamName: string) => ({ type, streamName });

describe('planFilter', () => {
  it('without a filter excludes system events on the server by event type', () => {
    const plan = planFilter(undefined);
    expect(plan.server).toEqual({ on: 'event-type', regex: '^[^$]' });
    expect(new RegExp('^[^$]').test('$metadata')).toBe(false);
    expect(plan.accepts(event('ArrestMade', 'operation-1'))).toBe(true);
    expect(plan.accepts(event('$>', 'operation-1'))).toBe(false);
  });

  it('sends event types as an exact-name regex and checks the stream prefixes on what arrives', () => {
    const plan = planFilter({
      eventTypes: ['ArrestMade', 'Seizure.Recorded'],
      streamNamePrefixes: ['operation-'],
    });
    expect(plan.server).toEqual({ on: 'event-type', regex: '^(?:ArrestMade|Seizure\\.Recorded)$' });
    const regex = new RegExp((plan.server as { regex: string }).regex);
    expect(
      ['ArrestMade', 'Seizure.Recorded', 'SeizureXRecorded', 'ArrestMadeLater'].map((t) => regex.test(t)),
    ).toEqual([true, true, false, false]);
    expect(plan.accepts(event('ArrestMade', 'operation-1'))).toBe(true);
    expect(plan.accepts(event('ArrestMade', 'audit-1'))).toBe(false);
    expect(plan.accepts(event('RaidConducted', 'operation-1'))).toBe(false);
  });

  it('sends stream prefixes as prefixes when no event type is given, and still drops system events', () => {
    const plan = planFilter({ streamNamePrefixes: ['operation-', 'audit-'] });
    expect(plan.server).toEqual({ on: 'stream-name', prefixes: ['operation-', 'audit-'] });
    expect(plan.accepts(event('$>', 'operation-1'))).toBe(false);
    expect(plan.accepts(event('A', 'audit-7'))).toBe(true);
  });

  it('matches nothing for empty lists, and never lets a system type through by naming it', () => {
    expect(planFilter({ eventTypes: [] }).server).toEqual({ on: 'event-type', regex: '^(?:(?!))$' });
    expect(planFilter({ eventTypes: [] }).accepts(event('A', 's'))).toBe(false);
    expect(planFilter({ streamNamePrefixes: [] }).accepts(event('A', 's'))).toBe(false);
    expect(planFilter({ eventTypes: ['$metadata'] }).server).toEqual({
      on: 'event-type',
      regex: '^(?:(?!))$',
    });
  });

  it('escapes regex metacharacters so names match literally', () => {
    expect(escapeRegex('a.b*c+(d)[e]{f}|g^h$i\\j?k-l')).toBe(
      'a\\.b\\*c\\+\\(d\\)\\[e\\]\\{f\\}\\|g\\^h\\$i\\\\j\\?k\\-l',
    );
    const filter = exactStreamFilter('operation-a.b');
    expect(filter).toEqual({ on: 'stream-name', regex: '^operation\\-a\\.b$' });
    expect(new RegExp((filter as { regex: string }).regex).test('operation-aXb')).toBe(false);
  });
});
