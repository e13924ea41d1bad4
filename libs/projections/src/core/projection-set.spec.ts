import { UnknownProjectionError } from './projection.errors';
import { defineProjection, foldEvents } from './projection';
import { ProjectionSet } from './projection-set';
import { recordingProjection } from '../testing/recording.projection';

describe('projection handles', () => {
  it('refuses a name that cannot name a checkpoint file', () => {
    expect(() => defineProjection({ ...recordingProjection(), name: '../escape' })).toThrow(
      'Not a projection name: "../escape"',
    );
    expect(() => defineProjection({ ...recordingProjection(), name: 'Upper' })).toThrow(TypeError);
  });

  it('is frozen: a registered fold cannot be swapped under the runner', () => {
    const handle = recordingProjection();
    expect(Object.isFrozen(handle)).toBe(true);
  });
});

describe('ProjectionSet', () => {
  const a = recordingProjection('a');
  const b = recordingProjection('b');
  const set = new ProjectionSet(
    [a, b].map((projection) => ({ projection, state: foldEvents(projection, []) })),
  );

  it('finds each state by its own handle', () => {
    expect(set.stateOf(a)).toEqual({ ids: [] });
    expect(set.stateOf(a)).not.toBe(set.stateOf(b));
    expect(set.names).toEqual(['a', 'b']);
    expect(set.named('b').projection).toBe(b);
  });

  it('refuses another handle of a registered name, whose state could be of another type', () => {
    const impostor = recordingProjection('a');
    expect(() => set.stateOf(impostor)).toThrow(UnknownProjectionError);
    expect(() => set.stateOf(recordingProjection('c'))).toThrow(UnknownProjectionError);
    expect(() => set.named('c')).toThrow(UnknownProjectionError);
  });

  it('refuses two projections of one name', () => {
    expect(
      () =>
        new ProjectionSet([a, recordingProjection('a')].map((projection) => ({ projection, state: null }))),
    ).toThrow('Projection a is registered twice');
  });
});
