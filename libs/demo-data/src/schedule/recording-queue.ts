/**
 * A min-heap of pending submissions ordered by recording time, then by the order
 * they were scheduled in (so equal times keep a deterministic order). The
 * generator works through business time day by day and parks what is recorded
 * later — late reports, charges, corrections — here until the clock reaches it,
 * which bounds memory by the recording lag rather than by the dataset size.
 */
export class RecordingQueue<T extends { readonly recordedAtMs: number }> {
  private readonly heap: { item: T; order: number }[] = [];
  private scheduled = 0;

  get size(): number {
    return this.heap.length;
  }

  push(item: T): void {
    this.heap.push({ item, order: this.scheduled++ });
    let index = this.heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  /** The earliest pending item if it is recorded strictly before `beforeMs`. */
  popBefore(beforeMs: number): T | undefined {
    if (this.heap.length === 0 || this.heap[0].item.recordedAtMs >= beforeMs) return undefined;
    return this.pop();
  }

  pop(): T | undefined {
    if (this.heap.length === 0) return undefined;
    const top = this.heap[0].item;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < this.heap.length && this.less(left, smallest)) smallest = left;
        if (right < this.heap.length && this.less(right, smallest)) smallest = right;
        if (smallest === index) break;
        this.swap(index, smallest);
        index = smallest;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    return (
      x.item.recordedAtMs < y.item.recordedAtMs ||
      (x.item.recordedAtMs === y.item.recordedAtMs && x.order < y.order)
    );
  }

  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b], this.heap[a]];
  }
}
