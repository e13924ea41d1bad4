import fc from 'fast-check';
import { NdjsonChunks } from './ndjson-chunks';

describe('NdjsonChunks', () => {
  it('gives the UTF-8 bytes of the lines, each ended by a newline, whatever the chunk size', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ minLength: 40, maxLength: 200 })),
        ),
        fc.integer({ min: 1, max: 64 }),
        (lines, chunkBytes) => {
          const chunks = new NdjsonChunks(chunkBytes);
          const taken: Buffer[] = [];
          for (const line of lines) {
            const full = chunks.push(line);
            if (full) taken.push(full);
          }
          const rest = chunks.take();
          if (rest) taken.push(rest);
          expect(chunks.take()).toBeNull();
          expect(taken.every((chunk) => chunk.length > 0)).toBe(true);
          expect(
            Buffer.concat(taken).equals(Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8')),
          ).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
