import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { EVENT_STORE, StreamNotFoundError, formatPosition, type EventStore } from '@timeline/event-store';
import { operationStreamName } from '@timeline/events';
import {
  Ed25519TreeHeadSigner,
  FileTreeHeadPublisher,
  LogTreeHeadPublisher,
  MerkleLog,
  MerkleLogFollower,
  TreeHeadIssuer,
  WebhookTreeHeadPublisher,
  leafInputOf,
  walkStream,
  inclusionSourceOf,
  type ExportInclusionSource,
  type IssuedTreeHead,
  type SignedTreeHead,
  type TreeHeadPublisher,
  type TreeHeadSigner,
} from '@timeline/integrity';
import type { TransparencyConfig } from '../config/transparency.config';
import { checkWithinTree } from './transparency-query';
import {
  EventNotInTreeError,
  LeafMismatchError,
  MerkleLogDivergedError,
  NoTreeHeadError,
  ProofEventNotFoundError,
  TreeHeadSigningDisabledError,
} from './transparency.errors';

export const TRANSPARENCY_CONFIG = Symbol('TRANSPARENCY_CONFIG');

/**
 * Replaces what the configuration would build (tests: a clock, a signer of their
 * own, extra publication targets). Optional, provided by any global module.
 */
export interface TransparencyOverrides {
  readonly signer?: TreeHeadSigner;
  readonly now?: () => Date;
  readonly publishers?: readonly TreeHeadPublisher[];
}
export const TRANSPARENCY_OVERRIDES = Symbol('TRANSPARENCY_OVERRIDES');

/** An inclusion proof as the api answers it: everything needed to check it offline against a head. */
export interface EventInclusionProof {
  readonly operationId: string;
  readonly eventId: string;
  readonly position: string;
  /** The leaf input: the event's stored hash. The leaf is SHA-256(0x00 || these 32 bytes). */
  readonly eventHash: string;
  readonly leafIndex: number;
  readonly treeSize: number;
  /** MTH of the first treeSize leaves, as a head of that size must state. */
  readonly rootHash: string;
  /** Sibling hashes from the leaf up (RFC 9162 §2.1.3). */
  readonly auditPath: readonly string[];
}

export interface TreeConsistencyProof {
  readonly fromSize: number;
  readonly toSize: number;
  readonly fromRoot: string;
  readonly toRoot: string;
  /** RFC 9162 §2.1.4 */
  readonly proof: readonly string[];
}

/** The Ed25519 public key tree heads are signed with. */
export interface TreeHeadPublicKey {
  readonly algorithm: 'Ed25519';
  /** SHA-256 (hex) of the raw 32-byte public key: the `keyId` every head names. */
  readonly keyId: string;
  /** SPKI PEM. */
  readonly publicKey: string;
}

export interface TransparencyStatus {
  readonly state: string;
  readonly treeSize: number;
  readonly signing: boolean;
  readonly latestHead: SignedTreeHead | null;
  readonly divergence: object | null;
}

/**
 * The Merkle log of the api: the tree file beside the log kept up by a
 * follower, heads signed on a schedule and on demand and published to every
 * target, and the proofs auditors ask for (docs/merkle-log.md).
 */
@Injectable()
export class TransparencyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Transparency');
  private log: MerkleLog | null = null;
  private follower: MerkleLogFollower | null = null;
  private issuer: TreeHeadIssuer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private signer: TreeHeadSigner | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TRANSPARENCY_CONFIG) private readonly config: TransparencyConfig,
    @Optional() @Inject(TRANSPARENCY_OVERRIDES) private readonly overrides: TransparencyOverrides = {},
  ) {}

  async onModuleInit(): Promise<void> {
    const log = MerkleLog.openFile(this.config.treeFile);
    this.log = log;
    if (log.droppedOnOpen > 0)
      this.logger.warn(`Cut ${log.droppedOnOpen} torn or out-of-order records off ${this.config.treeFile}`);
    this.follower = new MerkleLogFollower(this.store, log, { logger: this.logger });
    await this.follower.start();
    this.signer =
      this.overrides.signer ??
      (this.config.signingKeyPem ? Ed25519TreeHeadSigner.fromPem(this.config.signingKeyPem) : null);
    if (!this.signer) {
      this.logger.warn(
        'No tree-head signing key configured: the Merkle tree and its proofs are served, no head is signed',
      );
      return;
    }
    this.issuer = new TreeHeadIssuer(log, this.signer, this.publishers(), {
      now: this.overrides.now,
      logger: this.logger,
    });
    if (this.config.headIntervalMs > 0) {
      // The first head once the tree has caught up with the log, then one per interval while the log grows.
      void this.follower
        .sync()
        .then(() => (this.follower?.state === 'following' ? this.issuer?.issueIfGrown() : null))
        .catch((error: unknown) => this.logger.error('The first tree head failed', { error: String(error) }));
      this.timer = setInterval(() => {
        if (this.follower?.state !== 'following') return;
        void this.issuer
          ?.issueIfGrown()
          .catch((error: unknown) =>
            this.logger.error('A scheduled tree head failed', { error: String(error) }),
          );
      }, this.config.headIntervalMs);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.follower?.stop();
    this.log?.close();
    this.log = null;
  }

  status(): TransparencyStatus {
    return {
      state: this.follower?.state ?? 'idle',
      treeSize: this.tree().size,
      signing: this.issuer !== null,
      latestHead: this.issuer?.latest?.head ?? null,
      divergence: this.follower?.divergence ?? null,
    };
  }

  publicKey(): TreeHeadPublicKey {
    if (!this.signer) throw new TreeHeadSigningDisabledError();
    return { algorithm: 'Ed25519', keyId: this.signer.keyId, publicKey: this.signer.publicKeyPem };
  }

  latestHead(): SignedTreeHead {
    const latest = this.issuer?.latest;
    if (!latest) throw new NoTreeHeadError();
    return latest.head;
  }

  /** Reads the log up to its head, then signs and publishes a head over it. */
  async issueHead(): Promise<IssuedTreeHead> {
    if (!this.issuer) throw new TreeHeadSigningDisabledError();
    this.checkNotDiverged();
    await this.follower!.sync();
    return this.issuer.issue();
  }

  async inclusionProof(
    operationId: string,
    eventId: string,
    treeSize?: number,
  ): Promise<EventInclusionProof> {
    const event = await this.findEvent(operationId, eventId);
    const tree = this.tree();
    let leafIndex = tree.indexOf(event.position);
    if (leafIndex === null) {
      await this.follower?.sync();
      leafIndex = tree.indexOf(event.position);
    }
    const position = formatPosition(event.position);
    if (leafIndex === null) throw new EventNotInTreeError(eventId, position);
    const size = treeSize ?? this.issuer?.latest?.head.treeSize ?? tree.size;
    checkWithinTree('treeSize', size, tree.size);
    if (leafIndex >= size) {
      throw new EventNotInTreeError(eventId, position);
    }
    const leafInput = tree.leafAt(leafIndex).leafInput;
    const stored = leafInputOf(event.metadata.hash);
    if (!leafInput.equals(stored)) {
      throw new LeafMismatchError({
        eventId,
        leafIndex,
        treeHolds: leafInput.toString('hex'),
        storeHolds: stored.toString('hex'),
      });
    }
    return {
      operationId,
      eventId,
      position,
      eventHash: leafInput.toString('hex'),
      leafIndex,
      treeSize: size,
      rootHash: tree.rootAt(size).toString('hex'),
      auditPath: tree.inclusionProof(leafIndex, size).map((hash) => hash.toString('hex')),
    };
  }

  /**
   * For an export: a head signed over the log as it is now, published like any
   * other, and the tree to prove exported events in; null when heads cannot be
   * signed (no key, or a log that diverged from the tree).
   */
  async exportInclusion(): Promise<ExportInclusionSource | null> {
    if (!this.issuer || this.follower?.state !== 'following') return null;
    const { head } = await this.issueHead();
    return inclusionSourceOf(this.tree(), head);
  }

  consistencyProof(fromSize: number, toSize?: number): TreeConsistencyProof {
    const tree = this.tree();
    const to = toSize ?? this.issuer?.latest?.head.treeSize ?? tree.size;
    checkWithinTree('to', to, tree.size);
    checkWithinTree('from', fromSize, to);
    return {
      fromSize,
      toSize: to,
      fromRoot: tree.rootAt(fromSize).toString('hex'),
      toRoot: tree.rootAt(to).toString('hex'),
      proof: tree.consistencyProof(fromSize, to).map((hash) => hash.toString('hex')),
    };
  }

  private publishers(): TreeHeadPublisher[] {
    const publishers: TreeHeadPublisher[] = [new LogTreeHeadPublisher((line) => this.logger.log(line))];
    if (this.config.headsFile) publishers.push(new FileTreeHeadPublisher(this.config.headsFile));
    if (this.config.webhookUrl) publishers.push(new WebhookTreeHeadPublisher(this.config.webhookUrl));
    return [...publishers, ...(this.overrides.publishers ?? [])];
  }

  private checkNotDiverged(): void {
    if (this.follower?.state === 'diverged') throw new MerkleLogDivergedError(this.follower.divergence ?? {});
  }

  private tree(): MerkleLog {
    if (!this.log) throw new Error('the Merkle log is not open');
    return this.log;
  }

  private async findEvent(operationId: string, eventId: string) {
    try {
      for await (const event of walkStream(this.store, operationStreamName(operationId))) {
        if (event.eventId === eventId) return event;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    throw new ProofEventNotFoundError(operationId, eventId);
  }
}
