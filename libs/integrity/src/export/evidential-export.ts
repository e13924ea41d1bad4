import { createHash } from 'node:crypto';
import { canonicalJson } from '@timeline/kernel';
import {
  comparePositions,
  formatPosition,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@timeline/event-store/port';
import {
  OPERATION_STREAM_PREFIX,
  operationStreamName,
  type TimelineEvent,
} from '@timeline/events/envelope/event-envelope';
import { canonicalFormsOf, eventHashOf } from '../chain/stored-event.canonical';
import { toTimelineEvent } from '../events/timeline-event.mapper';
import { walkLogPages, walkStreamPages } from '../reading/paged-reads';
import { chainLinkOf, StreamChainVerifier, type ChainBreak, type ChainHead } from '../verify/chain-verifier';
import type { ExportInclusionProof, ExportInclusionSource } from './export-inclusion';
import {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  HASHING_RULE,
  type ExportBoundary,
  type ExportManifest,
  type ExportProvenance,
  type ExportScope,
} from './export-manifest';
import { boundaryOf } from './export-part';
import { NdjsonChunks } from './ndjson-chunks';

type StreamHead = ChainHead & { readonly operationId: string };

export interface EvidentialExportOptions extends ExportProvenance {
  /** Events per store read: the bound on what the export holds in memory. Defaults to DEFAULT_PAGE_SIZE. */
  readonly pageSize?: number;
  /**
   * The reader's access policy: returns the event unchanged, or a copy whose
   * data the reader may not see replaced by a marker. A replaced event is
   * exported with `"withheld": true` and its stored hash. Default: nothing withheld.
   */
  readonly redact?: (event: TimelineEvent) => TimelineEvent;
  /** A signed tree head and its tree: the manifest then carries the head and every covered event's inclusion proof. */
  readonly inclusion?: ExportInclusionSource;
}

const DIGEST_CHUNK_CHARS = 64 * 1024;

/**
 * An export in progress. `lines()` pulls events from the store one page at a
 * time as the consumer takes lines (a slow HTTP client or disk slows the reads
 * down; nothing accumulates), hashing the bytes and recomputing the chains on
 * the way. `manifest()` is available once every line has been taken.
 */
export class EvidentialExport {
  private readonly sha256 = createHash('sha256');
  /** Lines produced but not yet fed to `sha256`. */
  private undigested = '';
  private readonly countsByType = new Map<string, number>();
  private readonly verifiers = new Map<string, StreamChainVerifier>();
  private brokenAt: ChainBreak | null = null;
  private bytes = 0;
  private events = 0;
  private withheld = 0;
  private firstEvent: RecordedEvent | null = null;
  private lastEvent: RecordedEvent | null = null;
  private upTo: GlobalPosition | null = null;
  private done = false;
  private started = false;
  private readonly proofs: ExportInclusionProof[] = [];
  private notCovered = 0;

  constructor(
    private readonly store: EventStore,
    readonly scope: ExportScope,
    private readonly options: EvidentialExportOptions,
  ) {}

  /**
   * The NDJSON lines, each ending in `\n`. Starts by fixing the head so events
   * appended during the export are left out.
   * @throws StreamNotFoundError for an operation without events (before any line).
   */
  async *lines(): AsyncGenerator<string> {
    for await (const page of this.linePages()) yield* page;
  }

  /** `lines()` a store page at a time: for writers that take a page of lines in one go. */
  async *linePages(): AsyncGenerator<readonly string[]> {
    for await (const events of this.sourcePages()) {
      yield events.map((event) => {
        const line = `${this.lineOf(event)}\n`;
        // Hashed in chunks: one update per line cost about a microsecond each.
        this.undigested += line;
        if (this.undigested.length >= DIGEST_CHUNK_CHARS) this.digestPending();
        this.bytes += Buffer.byteLength(line, 'utf8');
        return line;
      });
    }
    this.digestPending();
    this.done = true;
  }

  /**
   * The NDJSON as chunks of UTF-8 bytes (`NdjsonChunks`), each line encoded
   * once and the chunk digested as is: for writers of files, where `lines()`
   * would encode every line again.
   */
  async *chunks(): AsyncGenerator<Buffer> {
    const chunks = new NdjsonChunks();
    const take = (chunk: Buffer) => {
      this.sha256.update(chunk);
      this.bytes += chunk.length;
      return chunk;
    };
    for await (const events of this.sourcePages()) {
      for (const event of events) {
        const full = chunks.push(this.lineOf(event));
        if (full) yield take(full);
      }
    }
    const rest = chunks.take();
    if (rest) yield take(rest);
    this.done = true;
  }

  /** Lines made so far (progress). */
  get eventsTaken(): number {
    return this.events;
  }

  /** @throws Error when called before every line was taken. */
  manifest(): ExportManifest {
    if (!this.done) throw new Error('the manifest is known only once every line has been read');
    const heads = [...this.verifiers.values()].map((verifier) => ({
      operationId: verifier.operationId,
      ...verifier.head!,
    }));
    return exportManifestOf(this.scope, this.options, {
      upTo: this.upTo,
      events: this.events,
      withheld: this.withheld,
      countsByType: this.countsByType,
      first: this.firstEvent && boundaryOf(this.firstEvent),
      last: this.lastEvent && boundaryOf(this.lastEvent),
      chain: this.brokenAt ? { brokenAt: this.brokenAt } : { heads },
      sha256: this.sha256.digest('hex'),
      bytes: this.bytes,
      inclusion: this.options.inclusion
        ? { treeHead: this.options.inclusion.treeHead, proofs: this.proofs, notCovered: this.notCovered }
        : undefined,
    });
  }

  private async *sourcePages(): AsyncGenerator<readonly RecordedEvent[]> {
    if (this.started) throw new Error('an export can be read once');
    this.started = true;
    const pageSize = this.options.pageSize;
    if (this.scope.kind === 'operation') {
      const streamName = operationStreamName(this.scope.operationId);
      const [head] = await this.store.readStream(streamName, { direction: 'backwards', maxCount: 1 });
      this.upTo = head.position;
      for await (const page of walkStreamPages(this.store, streamName, { pageSize })) {
        if (page[page.length - 1].revision <= head.revision) {
          yield page;
          continue;
        }
        const upToHead = page.filter((event) => event.revision <= head.revision);
        if (upToHead.length > 0) yield upToHead;
        return;
      }
      return;
    }
    const { headPosition } = await this.store.describe();
    this.upTo = headPosition;
    if (!headPosition) return;
    const filter = { streamNamePrefixes: [OPERATION_STREAM_PREFIX] };
    for await (const page of walkLogPages(this.store, { pageSize, filter })) {
      if (comparePositions(page[page.length - 1].position, headPosition) <= 0) {
        yield page;
        continue;
      }
      const upToHead = page.filter((event) => comparePositions(event.position, headPosition) <= 0);
      if (upToHead.length > 0) yield upToHead;
      return;
    }
  }

  private digestPending(): void {
    this.sha256.update(this.undigested, 'utf8');
    this.undigested = '';
  }

  /** An event's line, without its newline, taken into the manifest's figures and the chain's check. */
  private lineOf(event: RecordedEvent): string {
    const stored = this.options.redact ? toTimelineEvent(event) : null;
    const shown = stored && this.options.redact!(stored);
    const position = formatPosition(event.position);
    let line: string;
    let hashedContent: string | undefined;
    if (shown !== stored) {
      this.withheld += 1;
      line = canonicalJson({ ...shown, withheld: true });
    } else {
      // One canonicalisation for the line and the chain's hash check.
      const forms = canonicalFormsOf(event, position);
      line = forms.exportLine;
      hashedContent = forms.hashedContent;
    }
    this.events += 1;
    this.countsByType.set(event.type, (this.countsByType.get(event.type) ?? 0) + 1);
    if (this.options.inclusion) {
      const proof = this.options.inclusion.proofAt(event.position);
      if (proof) this.proofs.push({ eventId: event.eventId, ...proof });
      else this.notCovered += 1;
    }
    this.firstEvent ??= event;
    this.lastEvent = event;
    if (!this.brokenAt) {
      const operationId = event.streamName.slice(OPERATION_STREAM_PREFIX.length);
      let verifier = this.verifiers.get(operationId);
      if (!verifier) this.verifiers.set(operationId, (verifier = new StreamChainVerifier(operationId)));
      this.brokenAt = verifier.accept(
        chainLinkOf(event, position, hashedContent === undefined ? undefined : eventHashOf(hashedContent)),
      );
    }
    return line;
  }
}

/** What an export found, from which its manifest is written. */
export interface ExportFigures {
  readonly upTo: GlobalPosition | null;
  readonly events: number;
  readonly withheld: number;
  readonly countsByType: ReadonlyMap<string, number>;
  readonly first: ExportBoundary | null;
  readonly last: ExportBoundary | null;
  readonly chain: { readonly brokenAt: ChainBreak } | { readonly heads: readonly StreamHead[] };
  readonly sha256: string;
  readonly bytes: number;
  readonly inclusion?: ExportManifest['inclusion'];
}

/** The manifest of an export, however its lines were made (on one thread or in parts). */
export function exportManifestOf(
  scope: ExportScope,
  provenance: ExportProvenance,
  figures: ExportFigures,
): ExportManifest {
  const heads =
    'heads' in figures.chain
      ? [...figures.chain.heads].sort((a, b) =>
          a.operationId < b.operationId ? -1 : a.operationId > b.operationId ? 1 : 0,
        )
      : [];
  return {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    scope,
    exportedAt: provenance.exportedAt,
    exportedBy: provenance.exportedBy,
    software: provenance.software,
    upToPosition: figures.upTo ? formatPosition(figures.upTo) : null,
    events: figures.events,
    withheld: figures.withheld,
    countsByType: Object.fromEntries(
      [...figures.countsByType.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
    first: figures.first,
    last: figures.last,
    chain:
      'brokenAt' in figures.chain
        ? { intact: false, brokenAt: figures.chain.brokenAt }
        : { intact: true, heads },
    ndjson: { sha256: figures.sha256, bytes: figures.bytes, lines: figures.events },
    hashing: HASHING_RULE,
    ...(figures.inclusion ? { inclusion: figures.inclusion } : {}),
  };
}
