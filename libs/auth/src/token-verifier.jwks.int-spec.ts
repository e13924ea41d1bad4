import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FOREIGN_SIGNING_KEY,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_SIGNING_KEY,
  tokenFor,
} from '../../../test/support/auth.tokens';
import { AuthenticationRequiredError, KeySetUnavailableError } from './credential.errors';
import { TokenVerifier } from './token-verifier';

describe('TokenVerifier with a JWKS URL', () => {
  let server: Server;
  let url: URL;
  let fetches = 0;
  const nca = { role: 'analyst' as const, agency: 'NCA', subject: 'analyst-1' };

  beforeAll(async () => {
    const jwk = {
      ...TEST_SIGNING_KEY.publicKey.export({ format: 'jwk' }),
      kid: 'idp-2020',
      alg: 'ES256',
      use: 'sig',
    };
    server = createServer((_request, response) => {
      fetches++;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const verifierFor = (jwks: URL) =>
    new TokenVerifier({
      verification: { kind: 'jwks-url', url: jwks },
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ['ES256', 'RS256'],
      agencyClaim: 'agency',
      rolesClaim: 'roles',
      clockToleranceSeconds: 30,
      maxTokenLifetimeSeconds: 86_400,
    });

  it('verifies tokens signed by a key of the set, fetching the set once', async () => {
    const verifier = verifierFor(url);
    const token = tokenFor(nca, { header: { kid: 'idp-2020' } });
    await expect(verifier.verify(token)).resolves.toEqual({
      subject: 'analyst-1',
      agency: 'NCA',
      roles: ['analyst'],
    });
    await expect(verifier.verify(token)).resolves.toEqual({
      subject: 'analyst-1',
      agency: 'NCA',
      roles: ['analyst'],
    });
    expect(fetches).toBe(1);
  });

  it('refuses a token whose key is not in the set, or whose signature is not the key’s', async () => {
    const verifier = verifierFor(url);
    const unknownKid = verifier.verify(tokenFor(nca, { header: { kid: 'elsewhere' } }));
    await expect(unknownKid).rejects.toBeInstanceOf(AuthenticationRequiredError);
    await expect(unknownKid).rejects.toMatchObject({ code: 'auth.token-invalid' });
    const forged = verifier.verify(
      tokenFor(nca, { header: { kid: 'idp-2020' }, key: FOREIGN_SIGNING_KEY.privateKey }),
    );
    await expect(forged).rejects.toMatchObject({ code: 'auth.token-invalid' });
  });

  it('answers "unavailable" (503), not "unauthenticated", when the key set cannot be fetched', async () => {
    const closed = new URL(url.toString());
    closed.port = '1';
    const failure = verifierFor(closed).verify(tokenFor(nca, { header: { kid: 'idp-2020' } }));
    await expect(failure).rejects.toBeInstanceOf(KeySetUnavailableError);
    await expect(failure).rejects.toMatchObject({
      category: 'unavailable',
      code: 'auth.key-set-unavailable',
    });
  });
});
