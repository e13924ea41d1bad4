import type {
  LoadedProjectionCheckpoint,
  ProjectionCheckpoint,
  ProjectionCheckpointStore,
} from './projection-checkpoint-store.port';

/** Keeps checkpoints in process memory (tests, and runs that rebuild on every start). Copies on save and load, as a file would. */
export class InMemoryProjectionCheckpointStore implements ProjectionCheckpointStore {
  private readonly saved = new Map<string, string>();
  /** Number of completed saves, per projection name. */
  readonly saves = new Map<string, number>();

  async load(name: string): Promise<LoadedProjectionCheckpoint | null> {
    const text = this.saved.get(name);
    return text === undefined ? null : (JSON.parse(text) as LoadedProjectionCheckpoint);
  }

  async save(checkpoint: ProjectionCheckpoint): Promise<void> {
    this.saved.set(checkpoint.name, JSON.stringify({ ...checkpoint, state: [...checkpoint.state] }));
    this.saves.set(checkpoint.name, (this.saves.get(checkpoint.name) ?? 0) + 1);
  }

  async remove(name: string): Promise<void> {
    this.saved.delete(name);
  }
}
