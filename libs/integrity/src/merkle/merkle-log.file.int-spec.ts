import { createHash } from 'node:crypto';
import { appendFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { referenceRoot } from './merkle-hashing';
import { LEAF_RECORD_BYTES, encodeLeaf } from './merkle-leaf-records';
import { MerkleLog } from './merkle-log';

const leafInput = (n: number): Buffer => createHash('sha256').update(`event ${n}`).digest();
const at = (n: number) => ({ commit: BigInt(n), prepare: BigInt(n) });

/** The tree file beside the log: reopened with the same root, its torn or out-of-order tail cut off. */
describe('the Merkle log in its leaf file', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-merkle-file-'));
    file = join(dir, 'merkle', 'leaves.bin');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reopens with the same leaves, root and positions, and finds an event’s leaf by position', () => {
    const log = MerkleLog.openFile(file);
    const inputs = Array.from({ length: 100 }, (_, n) => leafInput(n));
    log.append(inputs.map((input, n) => ({ position: at(n * 2 + 1), leafInput: input })));
    log.close();
    const reopened = MerkleLog.openFile(file);
    expect(reopened.size).toBe(100);
    expect(reopened.rootAt().equals(referenceRoot(inputs))).toBe(true);
    expect(reopened.rootAt(37).equals(referenceRoot(inputs.slice(0, 37)))).toBe(true);
    expect(reopened.indexOf(at(41))).toBe(20);
    expect(reopened.indexOf(at(42))).toBeNull();
    expect(reopened.lastPosition).toEqual(at(199));
    expect(() => reopened.append([{ position: at(199), leafInput: leafInput(0) }])).toThrow(
      'leaf at position 199 does not follow 199',
    );
    reopened.close();
  });

  it('cuts a torn last record and a tail whose positions go backwards, and appends after what is kept', () => {
    const log = MerkleLog.openFile(file);
    log.append(Array.from({ length: 20 }, (_, n) => ({ position: at(n + 1), leafInput: leafInput(n) })));
    log.close();
    const backwards = Buffer.alloc(2 * LEAF_RECORD_BYTES);
    encodeLeaf({ position: at(5), leafInput: leafInput(99) }, backwards, 0);
    encodeLeaf({ position: at(30), leafInput: leafInput(98) }, backwards, LEAF_RECORD_BYTES);
    appendFileSync(file, Buffer.concat([backwards, Buffer.from('torn')]));

    const readOnly = MerkleLog.openFile(file, { readOnly: true });
    expect([readOnly.size, readOnly.droppedOnOpen]).toEqual([20, 2]);
    readOnly.close();
    expect(statSync(file).size).toBe(22 * LEAF_RECORD_BYTES + 4);

    const reopened = MerkleLog.openFile(file);
    expect([reopened.size, reopened.droppedOnOpen]).toEqual([20, 2]);
    expect(statSync(file).size).toBe(20 * LEAF_RECORD_BYTES);
    reopened.append([{ position: at(21), leafInput: leafInput(20) }]);
    const inputs = Array.from({ length: 21 }, (_, n) => leafInput(n));
    expect(reopened.rootAt().equals(referenceRoot(inputs))).toBe(true);
    reopened.close();
  });
});
