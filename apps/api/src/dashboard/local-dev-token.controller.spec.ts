import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateLocalDevKey, type SigningKey } from '@timeline/auth';
import { LocalDevTokenNotLocalError } from './dashboard.errors';
import { isLoopbackAddress, LocalDevTokenController } from './local-dev-token.controller';

describe('the role picker answers this machine only', () => {
  let dataDir: string;
  let key: SigningKey;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'timeline-local-dev-key-'));
    key = loadOrCreateLocalDevKey(dataDir).key;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each(['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])(
    'treats %s as loopback',
    (address) => expect(isLoopbackAddress(address)).toBe(true),
  );

  it.each([
    '10.0.0.5',
    '192.168.1.20',
    '128.0.0.1',
    '::ffff:10.0.0.5',
    '::2',
    'fe80::1',
    '',
    'localhost',
    undefined,
  ])('treats %s as another machine', (address) => expect(isLoopbackAddress(address)).toBe(false));

  it('issues nothing to a connection from another machine, whatever forwarding header it sends', async () => {
    const controller = new LocalDevTokenController(key);
    const fromNetwork = {
      socket: { remoteAddress: '10.0.0.5' },
      headers: { 'x-forwarded-for': '127.0.0.1' },
    };
    await expect(controller.issue({ role: 'admin', agency: 'NCA' }, fromNetwork)).rejects.toThrow(
      LocalDevTokenNotLocalError,
    );
    await expect(
      controller.issue(
        { role: 'admin', agency: 'NCA' },
        { raw: { socket: { remoteAddress: '::ffff:10.0.0.5' } } },
      ),
    ).rejects.toMatchObject({ code: 'auth.local-dev-token-not-local', details: { peer: '::ffff:10.0.0.5' } });
  });

  it('issues a token to a loopback connection, on either platform', async () => {
    const controller = new LocalDevTokenController(key);
    const fastify = await controller.issue(
      { role: 'auditor', agency: 'NWP' },
      { raw: { socket: { remoteAddress: '::ffff:127.0.0.1' } } },
    );
    const express = await controller.issue(
      { role: 'auditor', agency: 'NWP' },
      { socket: { remoteAddress: '127.0.0.1' } },
    );
    for (const issued of [fastify, express]) {
      expect(issued).toMatchObject({ subject: 'local-auditor-nwp', agency: 'NWP', roles: ['auditor'] });
    }
  });
});
