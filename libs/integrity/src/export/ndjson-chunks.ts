/** Bytes of a chunk of lines: a few store pages of export lines, written and digested in one go. */
export const NDJSON_CHUNK_BYTES = 1024 * 1024;

/**
 * Lines encoded as UTF-8 straight into buffers, each line once: joining a
 * page's lines into one string first and encoding that cost the export about
 * 4 µs per event (bench/README.md, "Integrity"). A chunk taken is the caller's
 * (the next lines go to a new buffer), so it can be written while more lines
 * are made.
 */
export class NdjsonChunks {
  private buffer: Buffer;
  private used = 0;

  constructor(private readonly chunkBytes = NDJSON_CHUNK_BYTES) {
    this.buffer = Buffer.allocUnsafe(chunkBytes);
  }

  /** Bytes pushed and not yet taken. */
  get pending(): number {
    return this.used;
  }

  /**
   * Appends a line and its newline.
   * @returns the lines before it as a chunk when they filled the buffer, otherwise null.
   */
  push(line: string): Buffer | null {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: what the line may need.
    const room = line.length * 3 + 1;
    let full: Buffer | null = null;
    if (room > this.buffer.length - this.used) {
      full = this.take();
      if (room > this.buffer.length) this.buffer = Buffer.allocUnsafe(room);
    }
    this.used += this.buffer.write(line, this.used, 'utf8');
    this.buffer[this.used] = 0x0a;
    this.used += 1;
    return full;
  }

  /** The bytes pushed since the last chunk taken, or null when there are none. */
  take(): Buffer | null {
    if (this.used === 0) return null;
    const chunk = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(this.chunkBytes);
    this.used = 0;
    return chunk;
  }
}
