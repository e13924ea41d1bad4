import { createPublicKey } from 'node:crypto';
import {
  FOREIGN_SIGNING_KEY,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_SIGNING_KEY,
  bearerFor,
  hostileAuthorizations,
  tokenFor,
} from '../../../test/support/auth.tokens';
import { AuthenticationRequiredError } from './credential.errors';
import { TokenVerifier } from './token-verifier';

const options = {
  verification: { kind: 'public-key' as const, key: TEST_SIGNING_KEY.publicKey },
  issuer: TEST_ISSUER,
  audience: TEST_AUDIENCE,
  algorithms: ['ES256'],
  agencyClaim: 'agency',
  rolesClaim: 'roles',
  clockToleranceSeconds: 30,
  maxTokenLifetimeSeconds: 86_400,
};

async function refusal(
  verifier: TokenVerifier,
  header: string | undefined,
): Promise<AuthenticationRequiredError> {
  try {
    await verifier.verifyAuthorizationHeader(header);
  } catch (error: unknown) {
    if (error instanceof AuthenticationRequiredError) return error;
    throw error;
  }
  throw new Error('the token was accepted');
}

describe('TokenVerifier', () => {
  const verifier = new TokenVerifier(options);
  const nca = { role: 'recorder' as const, agency: 'NCA', subject: 'officer-1' };

  it('turns a valid token into the principal of its claims', async () => {
    await expect(verifier.verifyAuthorizationHeader(bearerFor(nca))).resolves.toEqual({
      subject: 'officer-1',
      agency: 'NCA',
      roles: ['recorder'],
    });
  });

  it('keeps known roles, in order, without duplicates, and ignores roles of other systems', async () => {
    const token = tokenFor(nca, { claims: { roles: ['auditor', 'payroll', 'analyst', 'auditor'] } });
    await expect(verifier.verify(token)).resolves.toEqual({
      subject: 'officer-1',
      agency: 'NCA',
      roles: ['auditor', 'analyst'],
    });
  });

  it('accepts roles as a space-separated string', async () => {
    const token = tokenFor(nca, { claims: { roles: 'analyst auditor' } });
    await expect(verifier.verify(token)).resolves.toMatchObject({ roles: ['analyst', 'auditor'] });
  });

  const expectedCodes: Record<string, string> = {
    'no token': 'auth.token-missing',
    'not bearer': 'auth.token-invalid',
    malformed: 'auth.token-invalid',
    'alg none': 'auth.token-invalid',
    expired: 'auth.token-expired',
    'not yet valid': 'auth.token-invalid',
    'wrong audience': 'auth.token-invalid',
    'wrong issuer': 'auth.token-invalid',
    'wrong signature': 'auth.token-invalid',
    'tampered payload': 'auth.token-invalid',
    'wrong algorithm': 'auth.token-invalid',
    'missing agency': 'auth.claims-invalid',
    'missing roles': 'auth.claims-invalid',
    'missing exp': 'auth.claims-invalid',
  };

  it.each(Object.entries(hostileAuthorizations(nca)))('refuses %s', async (name, header) => {
    const error = await refusal(verifier, header);
    expect(error.code).toBe(expectedCodes[name]);
    expect(error.category).toBe('unauthenticated');
    expect(error.challenge.startsWith('Bearer realm="operation-timeline"')).toBe(true);
  });

  it('names the problem in the challenge for a bad token but not for a missing one (RFC 6750)', async () => {
    expect((await refusal(verifier, undefined)).challenge).toBe('Bearer realm="operation-timeline"');
    expect((await refusal(verifier, bearerFor(nca, { claims: { aud: 'x' } }))).challenge).toBe(
      'Bearer realm="operation-timeline", error="invalid_token", error_description="The token is not meant for this service"',
    );
  });

  it('refuses a token living longer than allowed', async () => {
    const error = await refusal(verifier, bearerFor(nca, { ttlSeconds: 86_400 * 2 }));
    expect(error.code).toBe('auth.claims-invalid');
  });

  it('tolerates the configured clock skew and no more', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(
      verifier.verify(tokenFor(nca, { issuedAt: now - 3620, ttlSeconds: 3600 })),
    ).resolves.toMatchObject({
      agency: 'NCA',
    });
    expect((await refusal(verifier, bearerFor(nca, { issuedAt: now - 3640, ttlSeconds: 3600 }))).code).toBe(
      'auth.token-expired',
    );
  });

  it.each([
    ['an agency that is not a code', { agency: 'nca; drop' }],
    ['a numeric agency', { agency: 42 }],
    ['roles that are not strings', { roles: [1, 2] }],
    ['an empty subject', { sub: '' }],
    ['a subject with spaces', { sub: 'officer one' }],
  ])('refuses %s', async (_name, claims) => {
    expect((await refusal(verifier, bearerFor(nca, { claims }))).code).toBe('auth.claims-invalid');
  });

  it('refuses an algorithm outside the allow-list even with a key of the right type', async () => {
    const strict = new TokenVerifier({ ...options, algorithms: ['ES384'] });
    expect((await refusal(strict, bearerFor(nca))).code).toBe('auth.token-invalid');
  });

  it('verifies against the configured key only', async () => {
    const other = new TokenVerifier({
      ...options,
      verification: { kind: 'public-key', key: createPublicKey(FOREIGN_SIGNING_KEY.privateKey) },
    });
    expect((await refusal(other, bearerFor(nca))).code).toBe('auth.token-invalid');
    await expect(other.verify(tokenFor(nca, { key: FOREIGN_SIGNING_KEY.privateKey }))).resolves.toMatchObject(
      {
        subject: 'officer-1',
      },
    );
  });

  it('remembers a verified token, yet refuses it once expired', async () => {
    let now = Date.parse('2026-01-01T12:00:00Z');
    const clocked = new TokenVerifier(options, () => now);
    const token = tokenFor(nca, { issuedAt: now / 1000, ttlSeconds: 60 });
    const first = await clocked.verify(token);
    now += 59_000;
    expect(await clocked.verify(token)).toBe(first);
    now += 100_000;
    await expect(clocked.verify(token)).rejects.toMatchObject({ code: 'auth.token-expired' });
  });

  describe('the cache of verified tokens', () => {
    const start = Date.parse('2026-01-01T12:00:00Z');

    it('serves a remembered token until its expiry exactly, then verifies it again (with the tolerance)', async () => {
      let now = start;
      const clocked = new TokenVerifier(options, () => now);
      const token = tokenFor(nca, { issuedAt: start / 1000, ttlSeconds: 60 });
      const first = await clocked.verify(token);
      now = start + 59_999;
      expect(await clocked.verify(token)).toBe(first);
      // Past `exp` the token is checked again: within the clock tolerance it still verifies, as a fresh check would.
      now = start + 60_000;
      const again = await clocked.verify(token);
      expect(again).toEqual(first);
      expect(again).not.toBe(first);
      now = start + 60_000 + 31_000;
      await expect(clocked.verify(token)).rejects.toMatchObject({ code: 'auth.token-expired' });
      expect(clocked.rememberedTokens).toBe(0);
    });

    it('is checked again after five minutes at the latest, even for a long-lived token', async () => {
      let now = start;
      const clocked = new TokenVerifier(options, () => now);
      const token = tokenFor(nca, { issuedAt: start / 1000, ttlSeconds: 3600 });
      const first = await clocked.verify(token);
      now = start + 5 * 60_000 - 1;
      expect(await clocked.verify(token)).toBe(first);
      now = start + 5 * 60_000;
      expect(await clocked.verify(token)).not.toBe(first);
    });

    it('never serves a token before the time it was verified (a clock set back, e.g. before its nbf)', async () => {
      let now = start;
      const clocked = new TokenVerifier(options, () => now);
      const token = tokenFor(nca, { issuedAt: start / 1000, ttlSeconds: 600 });
      await clocked.verify(token);
      now = start - 3600_000;
      await expect(clocked.verify(token)).rejects.toMatchObject({ code: 'auth.token-invalid' });
    });

    it('never remembers a refusal: an invalid token is refused every time, a valid one is not hurt by it', async () => {
      const clocked = new TokenVerifier(options, () => start);
      const forged = tokenFor(nca, { issuedAt: start / 1000, key: FOREIGN_SIGNING_KEY.privateKey });
      const tooLong = tokenFor(nca, { issuedAt: start / 1000, ttlSeconds: 86_400 * 2 });
      for (let attempt = 0; attempt < 3; attempt++) {
        await expect(clocked.verify(forged)).rejects.toMatchObject({ code: 'auth.token-invalid' });
        await expect(clocked.verify(tooLong)).rejects.toMatchObject({ code: 'auth.claims-invalid' });
      }
      expect(clocked.rememberedTokens).toBe(0);
    });

    it('serves no token verified by another key, even one remembered by another verifier', async () => {
      const clocked = new TokenVerifier(options, () => start);
      const token = tokenFor(nca, { issuedAt: start / 1000 });
      await clocked.verify(token);
      const other = new TokenVerifier(
        {
          ...options,
          verification: { kind: 'public-key', key: createPublicKey(FOREIGN_SIGNING_KEY.privateKey) },
        },
        () => start,
      );
      await expect(other.verify(token)).rejects.toMatchObject({ code: 'auth.token-invalid' });
    });

    it('holds at most its bound, evicting the least recently used token', async () => {
      let now = start;
      const bounded = new TokenVerifier(options, () => now, 3);
      const tokens = ['a', 'b', 'c', 'd'].map((name) =>
        tokenFor({ ...nca, subject: `officer-${name}` }, { issuedAt: start / 1000 }),
      );
      const a = await bounded.verify(tokens[0]);
      const b = await bounded.verify(tokens[1]);
      await bounded.verify(tokens[2]);
      now += 1000;
      expect(await bounded.verify(tokens[0])).toBe(a); // a is now the most recently used
      await bounded.verify(tokens[3]); // evicts b, the least recently used
      expect(bounded.rememberedTokens).toBe(3);
      expect(await bounded.verify(tokens[0])).toBe(a);
      const bAgain = await bounded.verify(tokens[1]);
      expect(bAgain).toEqual(b);
      expect(bAgain).not.toBe(b);
      expect(bounded.rememberedTokens).toBe(3);
    });
  });
});
