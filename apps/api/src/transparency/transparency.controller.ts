import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblems, OPERATION_NOT_FOUND, schemaRef } from '../http/problems.openapi';
import type { IssuedTreeHead, SignedTreeHead } from '@timeline/integrity';
import { Allow, AllowOnOperation, AuditAccess } from '../auth/access-policy.decorator';
import { checkEventId, checkOperationIdParameter } from '../history/history-query';
import { parseSizes } from './transparency-query';
import {
  TransparencyService,
  type EventInclusionProof,
  type TransparencyStatus,
  type TreeConsistencyProof,
  type TreeHeadPublicKey,
} from './transparency.service';

const NO_SIGNING_KEY = {
  description: 'No tree-head signing key is configured, or the tree no longer matches the log',
  codes: ['transparency.signing-not-configured', 'transparency.log-diverged'],
};
const INVALID_SIZES = {
  description: 'A tree size is not a whole number, or is larger than the tree (field-level `errors`)',
  codes: ['transparency.invalid-query', 'request.invalid-query'],
};

const CATCHING_UP = {
  description:
    'The tree is being opened or is catching up with the log after a start (seconds at a million events); retry after Retry-After',
  codes: ['transparency.catching-up'],
  headers: {
    'Retry-After': {
      description: 'Seconds to wait before trying again',
      schema: { type: 'string', pattern: '^\\d+$' },
    },
  },
};

type RawQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Signed tree heads and the proofs auditors check against them (docs/merkle-log.md). */
@ApiTags('transparency')
@Controller()
export class TransparencyController {
  constructor(@Inject(TransparencyService) private readonly transparency: TransparencyService) {}

  @Get('transparency')
  @Allow('auditor', 'admin')
  @AuditAccess('transparency.status')
  @ApiOperation({ summary: 'The Merkle tree: its size, whether it follows the log, the latest signed head' })
  @ApiOkResponse({ schema: schemaRef('Transparency'), description: 'The tree and its latest head' })
  status(): TransparencyStatus {
    return this.transparency.status();
  }

  @Get('transparency/key')
  @Allow('auditor', 'admin')
  @AuditAccess('transparency.key')
  @ApiOperation({ summary: 'The Ed25519 public key tree heads are signed with (SPKI PEM) and its key id' })
  @ApiOkResponse({ schema: schemaRef('TreeHeadKey'), description: 'The public key' })
  @ApiProblems({ 409: NO_SIGNING_KEY })
  key(): TreeHeadPublicKey {
    return this.transparency.publicKey();
  }

  @Get('transparency/heads/latest')
  @Allow('auditor', 'admin')
  @AuditAccess('transparency.head')
  @ApiOperation({
    summary: 'The latest signed tree head: { format, treeSize, rootHash, timestamp, keyId, signature }',
  })
  @ApiOkResponse({ schema: schemaRef('SignedHead'), description: 'The latest signed tree head' })
  @ApiProblems({
    404: { description: 'No head has been signed yet', codes: ['transparency.no-tree-head'] },
    409: NO_SIGNING_KEY,
  })
  latest(): SignedTreeHead {
    return this.transparency.latestHead();
  }

  @Post('transparency/heads')
  @HttpCode(201)
  @Allow('auditor', 'admin')
  @AuditAccess('transparency.issue-head')
  @ApiOperation({
    summary: 'Sign a head over the whole log now and publish it to every target',
    description:
      '201 `{ head, publications: [{ target, ok, error? }] }`; a target that failed is named, the head stands.',
  })
  @ApiCreatedResponse({ schema: schemaRef('IssuedHead'), description: 'The head, and each publication' })
  @ApiProblems({ 409: NO_SIGNING_KEY, 503: CATCHING_UP })
  issue(): Promise<IssuedTreeHead> {
    return this.transparency.issueHead();
  }

  @Get('transparency/consistency')
  @Allow('auditor', 'admin')
  @AuditAccess('transparency.consistency')
  @ApiOperation({
    summary: 'Consistency proof between the trees of `from` and `to` leaves (RFC 9162 §2.1.4)',
  })
  @ApiQuery({ name: 'from', required: true, description: 'The older tree size' })
  @ApiQuery({ name: 'to', required: false, description: 'The newer tree size; default the latest head' })
  @ApiOkResponse({ schema: schemaRef('ConsistencyProof'), description: 'The consistency proof' })
  @ApiProblems({
    400: INVALID_SIZES,
    404: { description: 'No head has been signed yet', codes: ['transparency.no-tree-head'] },
    409: NO_SIGNING_KEY,
    503: CATCHING_UP,
  })
  consistency(@Query() query: RawQuery): TreeConsistencyProof {
    const sizes = parseSizes(query, ['from', 'to'] as const, ['from'] as const);
    return this.transparency.consistencyProof(sizes.from!, sizes.to);
  }

  @Get('operations/:operationId/events/:eventId/proof')
  @AllowOnOperation(['auditor'])
  @AuditAccess('transparency.inclusion')
  @ApiOperation({
    summary: "An event's inclusion proof in the tree of `treeSize` leaves (RFC 9162 §2.1.3)",
    description: 'Default tree size: the latest signed head (or the whole tree when none was signed).',
  })
  @ApiParam({ name: 'operationId', example: 'venetic' })
  @ApiParam({ name: 'eventId', description: 'The event (UUID)' })
  @ApiQuery({ name: 'treeSize', required: false })
  @ApiOkResponse({ schema: schemaRef('InclusionProof'), description: 'The inclusion proof' })
  @ApiProblems({
    400: INVALID_SIZES,
    404: {
      description: `${OPERATION_NOT_FOUND.description}; or no such event in it`,
      codes: [...OPERATION_NOT_FOUND.codes, 'transparency.event-not-found'],
    },
    409: {
      description: 'The event is not in a tree of that size, or the tree no longer matches the log',
      codes: ['transparency.event-not-in-tree', 'transparency.leaf-mismatch', 'transparency.log-diverged'],
    },
    503: CATCHING_UP,
  })
  proof(
    @Param('operationId') operationId: string,
    @Param('eventId') eventId: string,
    @Query() query: RawQuery,
  ): Promise<EventInclusionProof> {
    checkOperationIdParameter(operationId);
    checkEventId(eventId);
    const { treeSize } = parseSizes(query, ['treeSize'] as const);
    return this.transparency.inclusionProof(operationId, eventId, treeSize);
  }
}
