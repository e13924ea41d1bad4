import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { JsonValue } from '../json/json.types';
import { readPartsFile, readPartsFileLines, writePartsFile } from './parts-file';

describe('parts files read line by line (readPartsFileLines)', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'timeline-parts-file-'));
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('gives the header and the parts readPartsFile gives, and refuses what it refuses', async () => {
    const path = join(directory, 'state.ndjson');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue() as fc.Arbitrary<JsonValue>, { maxLength: 12 }),
        fc.nat(),
        async (parts, at) => {
          await writePartsFile(path, { format: 'test/1' }, parts);
          const text = readFileSync(path, 'utf8');
          const whole = readPartsFile(text);
          const { header, lines } = await readPartsFileLines(text);
          expect(header).toEqual(whole.header);
          expect(lines.map((line) => JSON.parse(line) as JsonValue)).toEqual(whole.parts);
          // Any changed byte after the header is refused by both, for the same reason.
          const start = text.indexOf('\n') + 1;
          if (start === text.length) return;
          const index = start + (at % (text.length - 1 - start));
          const changed = `${text.slice(0, index)}${text[index] === '1' ? '2' : '1'}${text.slice(index + 1)}`;
          let reason = '';
          try {
            readPartsFile(changed);
          } catch (error: unknown) {
            reason = (error as Error).message;
          }
          expect(reason).not.toBe('');
          await expect(readPartsFileLines(changed)).rejects.toThrow(reason);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses a file without the parts hash', async () => {
    await expect(readPartsFileLines('{"parts":1}\n[1]\n')).rejects.toThrow('the header has no sha256');
    await expect(readPartsFileLines('{"parts":1}\n[1]')).rejects.toThrow('truncated');
  });
});
