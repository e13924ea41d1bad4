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

  describe('the cache of verified tokens, when the key set rotates', () => {
    const jwkOf = (key: typeof TEST_SIGNING_KEY, kid: string) => ({
      ...key.publicKey.export({ format: 'jwk' }),
      kid,
      alg: 'ES256',
      use: 'sig',
    });
    let rotating: Server;
    let rotatingUrl: URL;
    let published: object[] = [];
    let rotatingFetches = 0;
    const oldKey = 'idp-old';
    const newKey = 'idp-new';

    beforeAll(async () => {
      rotating = createServer((_request, response) => {
        rotatingFetches++;
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keys: published }));
      });
      await new Promise<void>((resolve) => rotating.listen(0, '127.0.0.1', resolve));
      rotatingUrl = new URL(`http://127.0.0.1:${(rotating.address() as AddressInfo).port}/jwks.json`);
    });
    afterAll(() => new Promise<void>((resolve) => rotating.close(() => resolve())));
    beforeEach(() => {
      published = [jwkOf(TEST_SIGNING_KEY, oldKey)];
      rotatingFetches = 0;
      // Only the clock is faked: the key set's age and cooldown are measured with Date.now().
      jest.useFakeTimers({
        now: Date.now(),
        doNotFake: [
          'hrtime',
          'nextTick',
          'performance',
          'queueMicrotask',
          'requestAnimationFrame',
          'cancelAnimationFrame',
          'requestIdleCallback',
          'cancelIdleCallback',
          'setImmediate',
          'clearImmediate',
          'setInterval',
          'clearInterval',
          'setTimeout',
          'clearTimeout',
        ],
      });
    });
    afterEach(() => jest.useRealTimers());

    const advance = (ms: number) => jest.setSystemTime(Date.now() + ms);

    it('drops remembered tokens when an unknown kid makes it fetch the set again', async () => {
      const verifier = verifierFor(rotatingUrl);
      const oldToken = tokenFor(nca, { header: { kid: oldKey } });
      await verifier.verify(oldToken);
      await verifier.verify(oldToken); // now remembered
      await verifier.verify(oldToken);
      expect(verifier.rememberedTokens).toBe(1);
      expect(rotatingFetches).toBe(1);

      // The provider withdraws the old key and publishes a new one; a token under the new key arrives.
      published = [jwkOf(FOREIGN_SIGNING_KEY, newKey)];
      advance(31_000);
      await expect(
        verifier.verify(tokenFor(nca, { header: { kid: newKey }, key: FOREIGN_SIGNING_KEY.privateKey })),
      ).resolves.toMatchObject({ subject: 'analyst-1' });
      expect(rotatingFetches).toBe(2);
      await expect(verifier.verify(oldToken)).rejects.toMatchObject({ code: 'auth.token-invalid' });
    });

    it('does not serve remembered tokens once the set is past its age: it fetches the set again first', async () => {
      const verifier = verifierFor(rotatingUrl);
      const oldToken = tokenFor(nca, { header: { kid: oldKey } });
      await verifier.verify(oldToken);
      await verifier.verify(oldToken);
      expect(verifier.rememberedTokens).toBe(1);
      published = [];
      advance(4 * 60_000); // within the cache's five minutes, the set still fresh
      await expect(verifier.verify(oldToken)).resolves.toMatchObject({ subject: 'analyst-1' });
      expect(rotatingFetches).toBe(1);
      advance(6 * 60_000 + 1); // the set is ten minutes old: the token, still remembered, is checked again
      await expect(verifier.verify(oldToken)).rejects.toMatchObject({ code: 'auth.token-invalid' });
      expect(rotatingFetches).toBe(2);
    });

    it('keeps serving after a refresh that changed nothing, once each token is verified again', async () => {
      const verifier = verifierFor(rotatingUrl);
      const token = tokenFor(nca, { header: { kid: oldKey } });
      await verifier.verify(token);
      await verifier.verify(token);
      advance(10 * 60_000 + 1);
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'analyst-1' });
      expect(rotatingFetches).toBe(2);
      await verifier.verify(token);
      const remembered = await verifier.verify(token);
      expect(await verifier.verify(token)).toBe(remembered);
      expect(rotatingFetches).toBe(2);
    });
  });
});
