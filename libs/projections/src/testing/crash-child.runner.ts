// A projection runner in its own process, for the crash test: it prints each applied
// position and is killed with SIGKILL by the test at a point of its choosing.
import { createEventStore } from '@timeline/event-store';
import { FileProjectionCheckpointStore } from '../checkpoint/file.projection-checkpoint-store';
import { ProjectionRunner } from '../runner/projection-runner';
import { recordingProjection } from './recording.projection';

async function main(): Promise<void> {
  const [file, directory, every] = process.argv.slice(2);
  // Every commit read as it lands: the parent kills this process at a point it counts in events applied.
  // Read-only: the parent process writes to the store (and holds its lock).
  const store = await createEventStore({
    kind: 'sqlite',
    file,
    pollIntervalMs: 10,
    liveReadIntervalMs: 0,
    readOnly: true,
  });
  const runner = new ProjectionRunner(
    store,
    [recordingProjection()],
    new FileProjectionCheckpointStore({ directory }),
    {
      checkpointEveryEvents: Number(every),
      checkpointIntervalMs: 600_000,
    },
  );
  runner.changes$.subscribe((change) => {
    if (change.kind === 'applied') process.stdout.write(`applied ${change.event.position}\n`);
  });
  await runner.start();
  // Nothing of a read-only store keeps the process alive between commits.
  setInterval(() => undefined, 60_000);
  process.stdout.write('ready\n');
}

void main();
