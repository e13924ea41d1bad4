import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, loadApiConfig } from './api.config';

describe('the tree-head settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'timeline-transparency-config-'));
  const dataDir = join(dir, 'data');
  const ed25519 = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  writeFileSync(join(dir, 'tree-head.key'), ed25519);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function problems(env: Record<string, string>): readonly string[] {
    try {
      loadApiConfig({ DATA_DIR: dataDir, ...env });
    } catch (error) {
      if (error instanceof ConfigurationError) return error.problems;
      throw error;
    }
    return [];
  }

  it('reads the key from a file outside DATA_DIR, or from the environment with escaped newlines', () => {
    const fromFile = loadApiConfig({
      DATA_DIR: dataDir,
      TREE_HEAD_SIGNING_KEY_FILE: join(dir, 'tree-head.key'),
      TREE_HEADS_FILE: join(dir, 'published', 'heads.jsonl'),
      TREE_HEAD_WEBHOOK_URL: 'https://witness.example.org/heads',
      TREE_HEAD_INTERVAL_SECONDS: '60',
    }).transparency;
    expect(fromFile).toEqual({
      treeFile: join(dataDir, 'merkle', 'leaves.bin'),
      signingKeyPem: ed25519,
      headsFile: join(dir, 'published', 'heads.jsonl'),
      webhookUrl: 'https://witness.example.org/heads',
      headIntervalMs: 60_000,
    });
    const inline = loadApiConfig({ DATA_DIR: dataDir, TREE_HEAD_SIGNING_KEY: ed25519.replace(/\n/g, '\\n') });
    expect(inline.transparency.signingKeyPem).toBe(ed25519);
  });

  it('keeps the key and the heads file away from whoever can write the store', () => {
    expect(
      problems({
        TREE_HEAD_SIGNING_KEY_FILE: join(dataDir, 'tree-head.key'),
        TREE_HEADS_FILE: join(dataDir, 'h.jsonl'),
      }),
    ).toEqual([
      `TREE_HEAD_SIGNING_KEY_FILE must lie outside DATA_DIR (${dataDir}): whoever can write the store must not reach it`,
      `TREE_HEADS_FILE must lie outside DATA_DIR (${dataDir}): whoever can write the store must not reach it`,
    ]);
  });

  it('names each wrong setting', () => {
    expect(
      problems({
        TREE_HEAD_SIGNING_KEY: rsa,
        TREE_HEAD_WEBHOOK_URL: 'ftp://witness',
        TREE_HEAD_INTERVAL_SECONDS: 'hourly',
      }),
    ).toEqual([
      'TREE_HEAD_SIGNING_KEY must hold an Ed25519 private key (PKCS#8 PEM): tree heads are signed with Ed25519; this key is rsa',
      'TREE_HEAD_WEBHOOK_URL must be an http(s) URL; got "ftp://witness"',
      'TREE_HEAD_INTERVAL_SECONDS must be an integer from 0 to 86400; got "hourly"',
    ]);
    expect(problems({ TREE_HEAD_SIGNING_KEY_FILE: join(dir, 'missing.key') })[0]).toMatch(
      /^TREE_HEAD_SIGNING_KEY_FILE cannot be read: ENOENT/,
    );
    expect(
      problems({ TREE_HEAD_SIGNING_KEY_FILE: join(dir, 'tree-head.key'), TREE_HEAD_SIGNING_KEY: ed25519 }),
    ).toEqual(['give either TREE_HEAD_SIGNING_KEY_FILE or TREE_HEAD_SIGNING_KEY, not both']);
  });
});
