import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@timeline/kernel';

export const TREE_HEAD_FORMAT = 'operation-timeline.tree-head.v1';

/** What a head commits to: the first `treeSize` leaves of the log have root `rootHash` (hex), as at `timestamp`. */
export interface TreeHead {
  readonly treeSize: number;
  readonly rootHash: string;
  /** ISO 8601 (UTC) time the head was signed. */
  readonly timestamp: string;
}

/**
 * A tree head as published: the head, the signing key's id (SHA-256, hex, of
 * the raw 32-byte Ed25519 public key) and the Ed25519 signature (hex) over
 * `treeHeadMessage`.
 */
export interface SignedTreeHead extends TreeHead {
  readonly format: typeof TREE_HEAD_FORMAT;
  readonly keyId: string;
  readonly signature: string;
}

/**
 * The bytes signed: the UTF-8 canonical JSON (keys sorted, no whitespace) of
 * `{ format, keyId, rootHash, timestamp, treeSize }`. Python's
 * `json.dumps(…, sort_keys=True, separators=(",", ":"))` writes the same bytes.
 */
export function treeHeadMessage(head: TreeHead, keyId: string): Buffer {
  return Buffer.from(
    canonicalJson({
      format: TREE_HEAD_FORMAT,
      keyId,
      rootHash: head.rootHash,
      timestamp: head.timestamp,
      treeSize: head.treeSize,
    }),
    'utf8',
  );
}

/**
 * Signs tree heads. The key stays behind this interface: a key file or
 * variable today, a KMS or HSM tomorrow (docs/merkle-log.md).
 */
export interface TreeHeadSigner {
  /** SHA-256 (hex) of the raw Ed25519 public key. */
  readonly keyId: string;
  /** The public key, SPKI PEM, as auditors are given it. */
  readonly publicKeyPem: string;
  /** An Ed25519 signature of `message`. */
  sign(message: Buffer): Promise<Buffer>;
}

/** A key that is not an Ed25519 key, or not a key at all. */
export class TreeHeadKeyError extends Error {}

/** Signs with an Ed25519 private key held in memory (PKCS#8 PEM, from a file or the environment). */
export class Ed25519TreeHeadSigner implements TreeHeadSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;

  private constructor(private readonly privateKey: KeyObject) {
    const publicKey = createPublicKey(privateKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(publicKey);
  }

  /** @throws TreeHeadKeyError when `pem` is not an Ed25519 private key. */
  static fromPem(pem: string): Ed25519TreeHeadSigner {
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (error) {
      throw new TreeHeadKeyError(`not a private key in PEM: ${(error as Error).message}`);
    }
    if (key.asymmetricKeyType !== 'ed25519')
      throw new TreeHeadKeyError(`tree heads are signed with Ed25519; this key is ${key.asymmetricKeyType}`);
    return new Ed25519TreeHeadSigner(key);
  }

  sign(message: Buffer): Promise<Buffer> {
    return Promise.resolve(sign(null, message, this.privateKey));
  }
}

/** Signs a head: the published form. */
export async function signTreeHead(head: TreeHead, signer: TreeHeadSigner): Promise<SignedTreeHead> {
  const signature = await signer.sign(treeHeadMessage(head, signer.keyId));
  return {
    format: TREE_HEAD_FORMAT,
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    timestamp: head.timestamp,
    keyId: signer.keyId,
    signature: signature.toString('hex'),
  };
}

/** Parses an Ed25519 public key (SPKI PEM). @throws TreeHeadKeyError otherwise. */
export function ed25519PublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new TreeHeadKeyError(`not a public key in PEM: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new TreeHeadKeyError(`tree heads are signed with Ed25519; this key is ${key.asymmetricKeyType}`);
  return key;
}

export function keyIdOf(publicKey: KeyObject): string {
  const raw = publicKey.export({ format: 'jwk' }).x;
  return createHash('sha256')
    .update(Buffer.from(String(raw), 'base64url'))
    .digest('hex');
}

/** Why a published head is refused, or null when it is well-formed and signed by `publicKey`. */
export function treeHeadProblem(head: unknown, publicKey: KeyObject): string | null {
  if (head === null || typeof head !== 'object') return 'not a JSON object';
  const h = head as Record<string, unknown>;
  if (h.format !== TREE_HEAD_FORMAT) return `format is not ${TREE_HEAD_FORMAT}`;
  if (!Number.isSafeInteger(h.treeSize) || (h.treeSize as number) < 0) return 'treeSize is not a size';
  if (typeof h.rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(h.rootHash))
    return 'rootHash is not 64 hex digits';
  if (typeof h.timestamp !== 'string' || Number.isNaN(Date.parse(h.timestamp)))
    return 'timestamp is not a time';
  if (typeof h.signature !== 'string' || !/^[0-9a-f]{128}$/.test(h.signature))
    return 'signature is not 128 hex digits';
  const keyId = keyIdOf(publicKey);
  if (h.keyId !== keyId) return `signed with key ${String(h.keyId)}, not the trusted key ${keyId}`;
  const message = treeHeadMessage(h as unknown as TreeHead, keyId);
  if (!verify(null, message, publicKey, Buffer.from(h.signature, 'hex'))) return 'signature does not verify';
  return null;
}
