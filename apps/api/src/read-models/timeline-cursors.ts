import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** DI token of the TimelineCursors the api signs and opens its timeline cursors with. */
export const TIMELINE_CURSORS = Symbol('TIMELINE_CURSORS');

const TAG_BYTES = 16;

/**
 * Timeline cursors are opaque to clients and signed by the api (HMAC-SHA-256,
 * 128-bit tag): a cursor the api did not issue, or one altered, is refused with a
 * 400 before it reaches the read model. The key comes from CURSOR_SIGNING_KEY, the
 * same on every instance behind one load balancer; without it, from a key file the
 * api creates in DATA_DIR, so cursors outlive a restart of that instance (README:
 * Configuration).
 */
export class TimelineCursors {
  constructor(private readonly key: Buffer) {}

  sign(cursor: string): string {
    return `${cursor}.${this.tag(cursor)}`;
  }

  /** The cursor inside a signed one; null when it was not signed with this key. */
  open(signed: string): string | null {
    const dot = signed.lastIndexOf('.');
    if (dot < 0) return null;
    const cursor = signed.slice(0, dot);
    // Compared as text: decoding would let the unused bits of the last base64 character vary.
    const given = Buffer.from(signed.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.tag(cursor), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected) ? cursor : null;
  }

  private tag(cursor: string): string {
    return createHmac('sha256', this.key)
      .update(cursor)
      .digest()
      .subarray(0, TAG_BYTES)
      .toString('base64url');
  }
}

/**
 * The signing key: the configured secret, else the key in `keyFile`, created with
 * 32 random bytes (mode 0600) on first use.
 */
export function cursorSigningKey(configured: string | undefined, keyFile: string): Buffer {
  if (configured !== undefined) return Buffer.from(configured, 'utf8');
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    try {
      writeFileSync(keyFile, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
      chmodSync(keyFile, 0o600);
    } catch (error) {
      // Another process sharing DATA_DIR created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'utf8');
}
