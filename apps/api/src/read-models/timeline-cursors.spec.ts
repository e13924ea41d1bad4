import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cursorSigningKey, TimelineCursors } from './timeline-cursors';

const cursors = new TimelineCursors(Buffer.from('k'.repeat(32)));

describe('TimelineCursors', () => {
  it('opens exactly what it signed', () => {
    fc.assert(
      fc.property(fc.string(), (cursor) => {
        expect(cursors.open(cursors.sign(cursor))).toBe(cursor);
      }),
    );
  });

  it('refuses a cursor signed with another key, altered, or never signed', () => {
    const other = new TimelineCursors(Buffer.from('o'.repeat(32)));
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.nat(), (cursor, at) => {
        expect(cursors.open(other.sign(cursor))).toBeNull();
        const signed = cursors.sign(cursor);
        const index = at % signed.length;
        const altered =
          signed.slice(0, index) + (signed[index] === 'A' ? 'B' : 'A') + signed.slice(index + 1);
        // Changing any character changes either the cursor or its tag.
        expect(cursors.open(altered)).toBeNull();
        expect(cursors.open(cursor)).toBeNull();
      }),
    );
  });
});

describe('cursorSigningKey', () => {
  it('prefers the configured secret; otherwise creates one key file (0600) and keeps it across restarts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cursor-key-'));
    try {
      expect(cursorSigningKey('s'.repeat(32), join(dir, 'unused.key')).toString()).toBe('s'.repeat(32));
      const file = join(dir, 'nested', 'cursor-signing.key');
      const first = cursorSigningKey(undefined, file);
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(cursorSigningKey(undefined, file).equals(first)).toBe(true);
      expect(readFileSync(file, 'utf8').trim()).toBe(first.toString());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
