import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { Ed25519TreeHeadSigner, TreeHeadKeyError } from '@timeline/integrity';

/** The Merkle log's settings (docs/merkle-log.md), part of ApiConfig. */
export interface TransparencyConfig {
  /** The tree's leaf file, beside the log: `DATA_DIR/merkle/leaves.bin`. */
  readonly treeFile: string;
  /**
   * The Ed25519 private key (PKCS#8 PEM) tree heads are signed with, from
   * TREE_HEAD_SIGNING_KEY_FILE (a path outside DATA_DIR) or TREE_HEAD_SIGNING_KEY
   * (the PEM itself). Null: the tree and its proofs are served, no head is signed.
   */
  readonly signingKeyPem: string | null;
  /** TREE_HEADS_FILE: the JSON-lines file every head is appended to; outside DATA_DIR. Default none. */
  readonly headsFile: string | null;
  /** TREE_HEAD_WEBHOOK_URL: every head is POSTed here as JSON. Default none. */
  readonly webhookUrl: string | null;
  /** TREE_HEAD_INTERVAL_SECONDS: a head is issued this often when the tree grew; 0 = on demand only. Default 300. */
  readonly headIntervalMs: number;
}

type Value = (name: string) => string | undefined;

/** Reads the TREE_HEAD_* settings; each problem names its variable. */
export function readTransparencyConfig(
  value: Value,
  dataDir: string,
  cwd: string,
  problems: string[],
): TransparencyConfig {
  const path = (name: string): string | null => {
    const raw = value(name);
    if (raw === undefined) return null;
    const absolute = isAbsolute(raw) ? raw : resolve(cwd, raw);
    const inside = relative(dataDir, absolute);
    if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
      problems.push(
        `${name} must lie outside DATA_DIR (${dataDir}): whoever can write the store must not reach it`,
      );
      return null;
    }
    return absolute;
  };

  let signingKeyPem: string | null = null;
  const keyFile = path('TREE_HEAD_SIGNING_KEY_FILE');
  const keyText = value('TREE_HEAD_SIGNING_KEY');
  if (keyFile !== null && keyText !== undefined) {
    problems.push('give either TREE_HEAD_SIGNING_KEY_FILE or TREE_HEAD_SIGNING_KEY, not both');
  } else if (keyFile !== null) {
    try {
      signingKeyPem = readFileSync(keyFile, 'utf8');
    } catch (error) {
      problems.push(`TREE_HEAD_SIGNING_KEY_FILE cannot be read: ${(error as Error).message}`);
    }
  } else if (keyText !== undefined) {
    signingKeyPem = keyText.replace(/\\n/g, '\n');
  }
  if (signingKeyPem !== null) {
    try {
      Ed25519TreeHeadSigner.fromPem(signingKeyPem);
    } catch (error) {
      if (!(error instanceof TreeHeadKeyError)) throw error;
      problems.push(
        `${keyFile !== null ? 'TREE_HEAD_SIGNING_KEY_FILE' : 'TREE_HEAD_SIGNING_KEY'} must hold an Ed25519 private key (PKCS#8 PEM): ${error.message}`,
      );
      signingKeyPem = null;
    }
  }

  const headsFile = path('TREE_HEADS_FILE');
  const webhookUrl = value('TREE_HEAD_WEBHOOK_URL') ?? null;
  if (webhookUrl !== null && !/^https?:\/\/\S+$/.test(webhookUrl)) {
    problems.push(`TREE_HEAD_WEBHOOK_URL must be an http(s) URL; got ${JSON.stringify(webhookUrl)}`);
  }
  const intervalRaw = value('TREE_HEAD_INTERVAL_SECONDS');
  let headIntervalMs = 300_000;
  if (intervalRaw !== undefined) {
    if (!/^\d+$/.test(intervalRaw) || Number(intervalRaw) > 86_400) {
      problems.push(
        `TREE_HEAD_INTERVAL_SECONDS must be an integer from 0 to 86400; got ${JSON.stringify(intervalRaw)}`,
      );
    } else headIntervalMs = Number(intervalRaw) * 1000;
  }
  return {
    treeFile: resolve(dataDir, 'merkle', 'leaves.bin'),
    signingKeyPem,
    headsFile,
    webhookUrl,
    headIntervalMs,
  };
}
