import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { EVENT_STORE, comparePositions, formatPosition, type EventStore } from '@timeline/event-store';
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
  MERKLE_LOG_FILTER,
  inclusionSourceOf,
  type ExportInclusionSource,
  type IssuedTreeHead,
  type MerkleLogDivergence,
  type SignedTreeHead,
  type TreeHeadPublisher,
  type TreeHeadSigner,
} from '@timeline/integrity';
import { ProjectionRunner } from '@timeline/projections';
import type { TransparencyConfig } from '../config/transparency.config';
import { HealthRegistry, type HealthReport } from '../health/health.registry';
import { merkleFeedOf } from './merkle-feed';
import { checkWithinTree } from './transparency-query';
import {
  EventNotInTreeError,
  LeafMismatchError,
  MerkleLogDivergedError,
  NoTreeHeadError,
  ProofEventNotFoundError,
  TransparencyCatchingUpError,
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

/**
 * `opening`: the tree file is being read (in the background after a start);
 * `catching-up`: reading the log up to its head; `following`: caught up, heads
 * are issued and proofs served; `diverged`: the log no longer holds the tree's
 * leaves from `divergence.leafIndex` on; `failed`: the tree could not be opened.
 */
export type TransparencyState = 'opening' | 'catching-up' | 'following' | 'diverged' | 'stopped' | 'failed';

export interface TransparencyStatus {
  readonly state: TransparencyState;
  readonly treeSize: number;
  readonly signing: boolean;
  readonly latestHead: SignedTreeHead | null;
  /** The first leaf the log no longer holds as the tree does. */
  readonly divergence: MerkleLogDivergence | null;
  /** From the start of the api until the tree had caught up with the log (ms); null until then. */
  readonly startUpMs: number | null;
  /** Why the tree could not be opened (state `failed`). */
  readonly error?: string;
}

/** How long an export waits for the tree to catch up after a start before answering 503. */
const EXPORT_WAIT_MS = 30_000;

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
  private opening: Promise<void> = Promise.resolve();
  private failure: string | null = null;
  private startUpMs: number | null = null;
  private closed = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TRANSPARENCY_CONFIG) private readonly config: TransparencyConfig,
    @Inject(ProjectionRunner) private readonly runner: Pick<ProjectionRunner, 'changes$'>,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
    @Optional() @Inject(TRANSPARENCY_OVERRIDES) private readonly overrides: TransparencyOverrides = {},
  ) {}

  /**
   * Opens the tree and catches up with the log in the background: at a million
   * events that takes seconds, and the api answers meanwhile (proofs and heads
   * with 503 until then).
   */
  onModuleInit(): void {
    this.signer =
      this.overrides.signer ??
      (this.config.signingKeyPem ? Ed25519TreeHeadSigner.fromPem(this.config.signingKeyPem) : null);
    if (!this.signer)
      this.logger.warn(
        'No tree-head signing key configured: the Merkle tree and its proofs are served, no head is signed',
      );
    this.health.register('transparency', () => this.healthReport());
    const started = performance.now();
    this.opening = this.open(started).catch((error: unknown) => {
      if (this.closed) return;
      this.failure = error instanceof Error ? error.message : String(error);
      this.logger.error('The Merkle tree could not be opened', { error: this.failure });
    });
  }

  /** Resolves once the tree has caught up with the log after a start (or could not). */
  caughtUp(): Promise<void> {
    return this.opening;
  }

  onApplicationShutdown(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.follower?.stop();
    this.log?.close();
    this.log = null;
  }

  private async open(started: number): Promise<void> {
    const log = await MerkleLog.openFileInTurns(this.config.treeFile);
    if (this.closed) {
      log.close();
      return;
    }
    this.log = log;
    if (log.droppedOnOpen > 0)
      this.logger.warn(`Cut ${log.droppedOnOpen} torn or out-of-order records off ${this.config.treeFile}`);
    this.follower = new MerkleLogFollower(this.store, log, {
      logger: this.logger,
      feed: merkleFeedOf(this.runner),
    });
    await this.follower.start();
    if (this.closed || this.follower.state !== 'following') return;
    this.startUpMs = Math.round(performance.now() - started);
    this.logger.log(`Merkle tree of ${log.size} leaves caught up with the log in ${this.startUpMs} ms`);
    if (!this.signer) return;
    this.issuer = new TreeHeadIssuer(log, this.signer, this.publishers(), {
      now: this.overrides.now,
      logger: this.logger,
    });
    if (this.config.headIntervalMs > 0) {
      // The first head now that the tree has caught up with the log, then one per interval while the log grows.
      void this.issuer
        .issueIfGrown()
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

  private state(): TransparencyState {
    if (this.failure !== null) return 'failed';
    if (!this.follower) return this.closed ? 'stopped' : 'opening';
    const state = this.follower.state;
    return state === 'idle' ? 'opening' : state;
  }

  /**
   * On /health (its details for admins, HEALTH_DETAILS): `down` when the log
   * diverged from the tree or the tree could not be opened. Opening and catching
   * up after a start leave the api ready (everything but proofs and heads
   * answers): `up`, the details saying which.
   */
  private healthReport(): HealthReport {
    const status = this.status();
    const ready = ['opening', 'catching-up', 'following'].includes(status.state);
    return {
      status: ready ? 'up' : 'down',
      state: status.state,
      treeSize: status.treeSize,
      latestHeadSize: status.latestHead?.treeSize ?? null,
      divergence: status.divergence,
      startUpMs: status.startUpMs,
      ...(status.error === undefined ? {} : { error: status.error }),
    };
  }

  status(): TransparencyStatus {
    return {
      state: this.state(),
      treeSize: this.log?.size ?? 0,
      signing: this.signer !== null,
      latestHead: this.issuer?.latest?.head ?? null,
      divergence: this.follower?.divergence ?? null,
      startUpMs: this.startUpMs,
      ...(this.failure === null ? {} : { error: this.failure }),
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
    if (!this.signer) throw new TreeHeadSigningDisabledError();
    this.checkNotDiverged();
    this.caughtUpTree();
    await this.follower!.sync();
    return this.issuer!.issue();
  }

  async inclusionProof(
    operationId: string,
    eventId: string,
    treeSize?: number,
  ): Promise<EventInclusionProof> {
    const tree = this.caughtUpTree();
    // The leaf by the event's id (the ids kept beside the leaf file), then the event at its position in the store.
    let leafIndex = tree.leafIndexOfEvent(eventId);
    if (leafIndex === null) {
      await this.follower?.sync();
      leafIndex = tree.leafIndexOfEvent(eventId);
    }
    if (leafIndex === null) throw new ProofEventNotFoundError(operationId, eventId);
    const leaf = tree.leafAt(leafIndex);
    const position = formatPosition(leaf.position);
    const [event] = await this.store.readAll({
      after: leafIndex > 0 ? tree.leafAt(leafIndex - 1).position : undefined,
      maxCount: 1,
      filter: MERKLE_LOG_FILTER,
    });
    if (event?.eventId === eventId && event.streamName !== operationStreamName(operationId))
      throw new ProofEventNotFoundError(operationId, eventId);
    if (event?.eventId !== eventId || comparePositions(event.position, leaf.position) !== 0)
      throw new MerkleLogDivergedError({
        leafIndex,
        position,
        eventId,
        logHolds: event && comparePositions(event.position, leaf.position) === 0 ? event.eventId : null,
      });
    const size = treeSize ?? this.issuer?.latest?.head.treeSize ?? tree.size;
    checkWithinTree('treeSize', size, tree.size);
    if (leafIndex >= size) {
      throw new EventNotInTreeError(eventId, position);
    }
    const leafInput = leaf.leafInput;
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
    if (!this.signer) return null;
    if (this.state() === 'opening' || this.state() === 'catching-up') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.opening,
        new Promise((resolve) => (timer = setTimeout(resolve, EXPORT_WAIT_MS).unref())),
      ]);
      clearTimeout(timer);
      this.caughtUpTree();
    }
    if (!this.issuer || this.follower?.state !== 'following') return null;
    const { head } = await this.issueHead();
    return inclusionSourceOf(this.caughtUpTree(), head);
  }

  consistencyProof(fromSize: number, toSize?: number): TreeConsistencyProof {
    const tree = this.caughtUpTree();
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

  /** The tree, once it has caught up with the log after a start (or diverged from it): else 503. */
  private caughtUpTree(): MerkleLog {
    const state = this.state();
    if (!this.log || state === 'opening' || state === 'catching-up' || state === 'failed')
      throw new TransparencyCatchingUpError({ state, treeSize: this.log?.size ?? 0 });
    return this.log;
  }
}
