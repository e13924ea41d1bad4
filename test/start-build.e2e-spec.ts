import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearerFor, testAuthEnvironment } from './support/auth.tokens';
import { stopProcessGroup } from './support/process-group';

// `npm start` compiles with SWC (apps/run.js), not tsc: the api it builds must behave as
// the tsc build does — decorators and their metadata (DI, validation), path aliases, class
// fields. Started exactly as `npm start` starts it; a write, a refused write and a read.
jest.setTimeout(240_000);

const ROOT = join(__dirname, '..');
const RECORDER = { role: 'recorder', agency: 'NCA', subject: 'officer-a' } as const;

describe('npm start (the SWC build)', () => {
  let child: ChildProcess;
  let base: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-start-'));
  const output: string[] = [];

  beforeAll(async () => {
    child = spawn('npm', ['start'], {
      cwd: ROOT,
      detached: true,
      env: {
        ...process.env,
        ...testAuthEnvironment(),
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DEMO_DATA: 'off',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        output.push(chunk);
        const match = /"msg":"listening","port":(\d+)/.exec(output.join(''));
        if (match) resolve(Number(match[1]));
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
      child.once('exit', (code) => reject(new Error(`npm start exited (${code}): ${output.join('')}`)));
    });
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    // npm, the launcher and the api: the whole group started above. npm may exit before the api
    // it started has written its last checkpoint, so this waits for every process of the group.
    await stopProcessGroup(child.pid!);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: bearerFor(RECORDER), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('records, refuses field by field and reads back as the tsc build does', async () => {
    const operationId = `start-${randomUUID().slice(0, 8)}`;
    const launch = await post(`/operations/${operationId}/events`, {
      events: [
        {
          type: 'OperationLaunched',
          occurredAt: '2020-03-26T09:00:00Z',
          data: {
            codename: 'VENETIC',
            leadAgency: 'NCA',
            startedAt: '2020-03-26T09:00:00Z',
            description: 'EncroChat',
          },
        },
      ],
    });
    expect(launch.status).toBe(201);

    const refused = await post(`/operations/${operationId}/events`, {
      events: [{ type: 'OperationLaunched', occurredAt: '2020-03-26T09:00:00Z', data: { name: 'x' } }],
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await refused.json()) as { errors: { path: string; constraint: string }[] };
    expect(problem.errors).toContainEqual(
      expect.objectContaining({ path: 'events[0].data.name', constraint: 'whitelistValidation' }),
    );
    expect(problem.errors).toContainEqual(
      expect.objectContaining({ path: 'events[0].data.codename', constraint: 'isDefined' }),
    );

    const history = await fetch(`${base}/operations/${operationId}/events`, {
      headers: { authorization: bearerFor({ role: 'auditor', agency: 'NCA', subject: 'auditor-1' }) },
    });
    expect(history.status).toBe(200);
    const { events } = (await history.json()) as { events: { type: string }[] };
    expect(events.map((event) => event.type)).toEqual(['OperationLaunched']);
  });
});
