import { EMPTY_TREE_ROOT } from './merkle-hashing';
import type { MerkleLog } from './merkle-log';
import { signTreeHead, type SignedTreeHead, type TreeHeadSigner } from './tree-head';
import type { TreeHeadPublisher } from './tree-head.publishers';

export interface TreeHeadPublication {
  readonly target: string;
  readonly ok: boolean;
  /** Why the target did not take the head. */
  readonly error?: string;
}

export interface IssuedTreeHead {
  readonly head: SignedTreeHead;
  readonly publications: readonly TreeHeadPublication[];
}

export interface TreeHeadIssuerOptions {
  readonly now?: () => Date;
  readonly logger?: { error(message: string, context?: object): void };
}

/**
 * Signs the tree's current head and publishes it to every target, one head at
 * a time so targets receive heads in order. A target that fails is reported in
 * the result and logged, never skipped silently; the others still get the head.
 */
export class TreeHeadIssuer {
  private latestValue: IssuedTreeHead | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: MerkleLog,
    private readonly signer: TreeHeadSigner,
    readonly publishers: readonly TreeHeadPublisher[],
    private readonly options: TreeHeadIssuerOptions = {},
  ) {}

  get latest(): IssuedTreeHead | null {
    return this.latestValue;
  }

  issue(): Promise<IssuedTreeHead> {
    const run = this.queue.then(() => this.issueNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Issues a head only when the tree grew since the last one (or none was issued yet). */
  async issueIfGrown(): Promise<IssuedTreeHead | null> {
    if (this.latestValue && this.latestValue.head.treeSize === this.log.size) return null;
    return this.issue();
  }

  private async issueNow(): Promise<IssuedTreeHead> {
    const treeSize = this.log.size;
    const rootHash = (treeSize === 0 ? EMPTY_TREE_ROOT : this.log.rootAt(treeSize)).toString('hex');
    const timestamp = (this.options.now ?? (() => new Date()))().toISOString();
    const head = await signTreeHead({ treeSize, rootHash, timestamp }, this.signer);
    const publications = await Promise.all(
      this.publishers.map(async (publisher): Promise<TreeHeadPublication> => {
        try {
          await publisher.publish(head);
          return { target: publisher.target, ok: true };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.options.logger?.error('A tree head could not be published', {
            target: publisher.target,
            treeSize,
            error: message,
          });
          return { target: publisher.target, ok: false, error: message };
        }
      }),
    );
    this.latestValue = { head, publications };
    return this.latestValue;
  }
}
