import { UnknownProjectionError } from './projection.errors';
import type { ProjectionHandle } from './projection';

/** What is kept for one registered projection: a state of the handle's own type. */
export interface Registered<S> {
  readonly projection: ProjectionHandle<S>;
  readonly state: S;
}

/** An entry kept for `projection` itself, not for another handle of the same name: its state is an `S`. */
function isKeptFor<S, Entry extends Registered<unknown>>(
  entry: Entry,
  projection: ProjectionHandle<S>,
): entry is Entry & Registered<S> {
  return entry.projection === projection;
}

/**
 * The projections registered together (the runner's live states, a time-travel
 * fold), by name, each found by its own handle: `stateOf(timelineProjection)` is
 * a `TimelineState`, checked by identity rather than cast. Names are unique.
 */
export class ProjectionSet<Entry extends Registered<unknown>> implements Iterable<Entry> {
  private readonly byName = new Map<string, Entry>();

  constructor(entries: Iterable<Entry>) {
    for (const entry of entries) {
      const { name } = entry.projection;
      if (this.byName.has(name)) throw new TypeError(`Projection ${name} is registered twice`);
      this.byName.set(name, entry);
    }
  }

  /** @throws UnknownProjectionError */
  named(name: string): Entry {
    const entry = this.byName.get(name);
    if (entry === undefined) throw new UnknownProjectionError(name);
    return entry;
  }

  /** @throws UnknownProjectionError when this very handle is not registered. */
  stateOf<S>(projection: ProjectionHandle<S>): S {
    const entry = this.byName.get(projection.name);
    if (entry === undefined || !isKeptFor(entry, projection))
      throw new UnknownProjectionError(projection.name);
    return entry.state;
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  [Symbol.iterator](): Iterator<Entry> {
    return this.byName.values();
  }
}
