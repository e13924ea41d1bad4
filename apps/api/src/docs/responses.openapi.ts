/**
 * The bodies the api answers with, under the names the OpenAPI document gives
 * them. Their JSON Schemas are generated from these types (`npm run openapi`,
 * response-schemas.generator.ts), so the document follows the code: a changed
 * read model changes the document, and a test fails until it is regenerated.
 */
import type {
  EventLineage,
  IssuedTreeHead,
  LogVerification,
  SignedTreeHead,
  StreamVerification,
} from '@timeline/integrity';
import type {
  DailySeries,
  NationalPictureView,
  OperationalPictureView,
  ProjectionStatus,
  TimelinePage,
} from '@timeline/projections';
import type { TimelineEvent } from '@timeline/events';
import type { AccessAuditPage } from '../auth/access-audit.service';
import type { Principal } from '@timeline/auth';
import type { HealthReport } from '../health/health.registry';
import type { LogHistoryPage, StreamHistoryPage, VisibleChainBreak } from '../history/history.service';
import type { TimelineLiveChange } from '../live/live-feeds.service';
import type {
  EventInclusionProof,
  TransparencyStatus,
  TreeConsistencyProof,
  TreeHeadPublicKey,
} from '../transparency/transparency.service';

/** GET /operations/{operationId}/picture, and each message of its live feed. */
export type OperationalPicture = OperationalPictureView;
/** GET /picture. */
export type NationalPicture = NationalPictureView;
/** GET /operations. */
export interface OperationList {
  readonly operations: NationalPictureView['operations'];
}
/** GET /operations/{operationId}/timeline. */
export type Timeline = TimelinePage;
/** GET /operations/{operationId}/timeline/daily. */
export type TimelineDailySeries = DailySeries;
/** A stored event with its full envelope, as history pages, lineage and the live event feed show it. */
export type StoredEvent = TimelineEvent;
/** GET /operations/{operationId}/events. */
export type OperationHistoryPage = StreamHistoryPage;
/** GET /events. */
export type LogPage = LogHistoryPage;
/** GET /operations/{operationId}/events/{eventId}/lineage. */
export type Lineage = EventLineage;
/** GET /operations/{operationId}/verify: 200 whether the chain holds or not. */
export type OperationVerification = StreamVerification;
/** GET /verify. A break outside the caller's operations is reported without naming its operation or event. */
export type LogVerificationResult =
  LogVerification | { readonly ok: false; readonly events: number; readonly brokenAt: VisibleChainBreak };
/** GET /projections/{name} and POST /projections/{name}/rebuild. */
export type Projection = ProjectionStatus;
/** GET /audit/access. */
export type AccessAuditRecords = AccessAuditPage;
/** GET /auth/me. */
export type CurrentPrincipal = Principal;
/** GET /transparency. */
export type Transparency = TransparencyStatus;
/** GET /transparency/key. */
export type TreeHeadKey = TreeHeadPublicKey;
/** GET /transparency/heads/latest. */
export type SignedHead = SignedTreeHead;
/** POST /transparency/heads: the head and how each publication target took it. */
export type IssuedHead = IssuedTreeHead;
/** GET /transparency/consistency. */
export type ConsistencyProof = TreeConsistencyProof;
/** GET /operations/{operationId}/events/{eventId}/proof. */
export type InclusionProof = EventInclusionProof;
/** A message of GET /operations/{operationId}/timeline/live. */
export type TimelineChange = TimelineLiveChange;

/** `event: overflow` and `event: error` of a live feed: why it ends and where to resume. */
export interface LiveFeedNotice {
  /** `live.client-too-slow` for an overflow; for an error, the failure's code. */
  readonly code: string;
  readonly message: string;
  /** The last id sent: reconnect with it as Last-Event-ID. Null when nothing was sent. */
  readonly lastEventId: string | null;
}

type HealthStatus = HealthReport['status'];

/** GET /health and GET /health/details. */
export interface Health {
  /** `down` (answered with 503) when any part is down, `degraded` when any part is. */
  readonly status: HealthStatus;
  /** Each part's report under its name, e.g. `store`, `projections`. */
  readonly [part: string]: HealthReport | HealthStatus;
}
