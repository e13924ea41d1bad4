import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { TokenVerifier, localDevKeyPath, localDevVerification, readSigningKey } from '@timeline/auth';
import { runCli } from '../cli';
import type { CliContext } from '../cli-command';

describe('cli token', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-token-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const output = { out: '', err: '' };
    const context: CliContext = {
      out: (text) => (output.out += text),
      err: (text) => (output.err += text),
      env: { DATA_DIR: 'state' },
      cwd: dir,
      now: () => new Date(),
      user: 'tester',
      software: { name: 'operation-timeline', version: '0.1.0' },
      openStore: () => Promise.reject(new Error('the token command needs no store')),
      progress: () => ({ update: () => undefined, stop: () => undefined }),
      fetch: () => Promise.reject(new Error('no network')),
    };
    const code = await runCli(argv, context);
    return { code, ...output };
  }

  it('issues a token the api in local-dev mode accepts, creating the key on first use', async () => {
    const result = await run([
      'token',
      '--role',
      'recorder',
      '--agency',
      'NWP',
      '--subject',
      'officer-1',
      '--ttl',
      '8h',
    ]);
    expect(result.code).toBe(0);
    expect(result.err).toBe(
      `Created the local development signing key ${join(dir, 'state', 'local-dev', 'signing-key.jwk.json')}\n`,
    );
    const token = result.out.trim();
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBe(8 * 3600);
    // Checked as the api checks tokens in local-dev mode (its auth.config.ts), with the key the command created.
    const verifier = new TokenVerifier({
      ...localDevVerification(readSigningKey(localDevKeyPath(join(dir, 'state'))).publicKey),
      agencyClaim: 'agency',
      rolesClaim: 'roles',
      clockToleranceSeconds: 30,
      maxTokenLifetimeSeconds: 30 * 86_400,
    });
    await expect(verifier.verify(token)).resolves.toEqual({
      subject: 'officer-1',
      agency: 'NWP',
      roles: ['recorder'],
    });

    const second = await run(['token', '--role', 'analyst,auditor', '--agency', 'NCA']);
    expect(second.err).toBe('');
    await expect(verifier.verify(second.out.trim())).resolves.toEqual({
      subject: 'analyst+auditor-nca',
      agency: 'NCA',
      roles: ['analyst', 'auditor'],
    });
  });

  it.each([
    [['--role', 'superuser', '--agency', 'NCA'], 'Unknown role superuser'],
    [['--role', 'recorder', '--agency', 'nca!'], 'Invalid agency "nca!"'],
    [['--role', 'recorder', '--agency', 'NCA', '--ttl', 'forever'], '--ttl: Invalid duration "forever"'],
    [['--role', 'recorder', '--agency', 'NCA', '--key', 'missing.jwk'], '--key:'],
  ])('refuses %j with exit code 2', async (args, message) => {
    const result = await run(['token', ...args]);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toContain(message);
  });
});
