import { Controller, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  InvalidRequestError,
  launchesOperation,
  RecordEventsHandler,
  type RecordEventsResult,
} from '@timeline/application';
import { AllowOnOperation } from '../auth/access-policy.decorator';
import { principalOf } from '../auth/current-principal.decorator';
import { correlationIdOf } from '../http/correlation-id';
import { RecordEventsResponseDto } from './record-events.response.dto';
import { ApiProblems } from '../http/problems.openapi';
import {
  IDEMPOTENCY_RULE,
  RECORD_EVENTS_REFUSALS,
  RECORD_EVENTS_REQUEST_SCHEMA_NAME,
} from './record-events.openapi';

const ETAG = {
  ETag: {
    description: 'The operation’s revision after the write, e.g. "7"',
    required: true,
    schema: { type: 'string' },
  },
};

/** What the controller reads of the platform request (Fastify request, Express request). */
interface RecordRequest {
  readonly params: { readonly operationId: string };
  readonly body: unknown;
  readonly headers: { readonly 'if-match'?: string; readonly 'idempotency-key'?: string };
}

/** What the controller needs of the platform reply (Fastify reply, Express response). */
interface ReplyLike {
  status(code: number): unknown;
  header(name: string, value: string): unknown;
}

const IF_MATCH = /^\s*(?:W\/)?"(-1|\d{1,15})"\s*$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@ApiTags('recording')
@ApiExtraModels(RecordEventsResponseDto)
@Controller('operations/:operationId/events')
export class RecordEventsController {
  constructor(@Inject(RecordEventsHandler) private readonly handler: RecordEventsHandler) {}

  @Post()
  @AllowOnOperation(['recorder'], { createsOperation: launchesOperation })
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Record one event or an atomic batch in an operation',
    description:
      'Each event is validated against its type (see the event schemas). Server-owned envelope fields ' +
      '(recordedAt, recordedBy, agency, revision, position, hashes) are never taken from the body. ' +
      IDEMPOTENCY_RULE,
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'ETag of the revision the client last saw, e.g. "5"; a mismatch is 412',
    schema: { type: 'string', pattern: '^\\s*(W/)?"(-1|\\d{1,15})"\\s*$' },
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: `1 to 255 printable ASCII characters. ${IDEMPOTENCY_RULE}`,
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  })
  @ApiHeader({
    name: 'X-Correlation-Id',
    required: false,
    description:
      'Echoed in the response and stamped on the events; one is chosen when absent or not 1–128 of A-Z a-z 0-9 . _ : / -',
    schema: { type: 'string' },
  })
  // Below the headers so that the document lists the path parameter first (Swagger takes these bottom-up).
  @ApiParam({
    name: 'operationId',
    description: '1–64 letters, digits, "-" or "_", starting alphanumeric',
    example: 'venetic',
    schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
  })
  @ApiBody({ schema: { $ref: `#/components/schemas/${RECORD_EVENTS_REQUEST_SCHEMA_NAME}` } })
  @ApiCreatedResponse({
    type: RecordEventsResponseDto,
    description: 'Recorded; ETag is the new revision',
    headers: ETAG,
  })
  @ApiOkResponse({
    type: RecordEventsResponseDto,
    description: 'Already recorded by an identical earlier request: nothing written',
    headers: ETAG,
  })
  @ApiProblems(RECORD_EVENTS_REFUSALS)
  async record(
    // The request itself rather than one decorator per part: Nest resolves each decorated argument
    // through its own promise on every request, the busiest route's largest share of Nest's own work.
    @Req() request: RecordRequest,
    @Res({ passthrough: true }) reply: ReplyLike,
  ): Promise<RecordEventsResult> {
    const principal = principalOf(request);
    const result = await this.handler.execute({
      operationId: request.params.operationId,
      body: request.body,
      recorder: { subject: principal.subject, agency: principal.agency },
      // Requests are tracked before routing; an untracked one (a test calling the handler directly) gets its own id.
      correlationId: correlationIdOf(request) ?? randomUUID(),
      idempotencyKey: parseIdempotencyKey(request.headers['idempotency-key']),
      expectedRevision: parseIfMatch(request.headers['if-match']),
    });
    reply.header('ETag', `"${result.streamRevision}"`);
    if (result.replayed) reply.status(HttpStatus.OK);
    return result;
  }
}

function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = IF_MATCH.exec(header);
  if (!match) {
    throw new InvalidRequestError([
      {
        path: 'If-Match',
        constraint: 'isRevisionEtag',
        message: 'If-Match must be the ETag of a revision, e.g. "5"',
      },
    ]);
  }
  return Number(match[1]);
}

function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new InvalidRequestError([
      {
        path: 'Idempotency-Key',
        constraint: 'matches',
        message: 'Idempotency-Key must be 1 to 255 printable ASCII characters',
      },
    ]);
  }
  return header;
}
