import type { ApiResponseOptions } from '@nestjs/swagger';
import { RETRY_AFTER, type RefusalDoc } from '../http/problems.openapi';

const REF = '#/components/schemas/';

/**
 * A live feed's 200 answer: a text/event-stream whose messages are described
 * event by event (docs/architecture.md §5). `data:` lines hold JSON of the named
 * schemas; the schema of the stream itself is a string, as a stream is text.
 */
export function liveFeedResponse(messageSchema: string, what: string): ApiResponseOptions {
  return {
    description:
      'Server-Sent Events. The stream opens with `retry:`, then sends:\n' +
      `- messages without \`event:\` (default \`message\`): \`id:\` and \`data:\` holding ${what}, ` +
      `JSON of the \`${messageSchema}\` schema;\n` +
      '- `event: overflow`: the client fell too far behind; `data:` is a `LiveFeedNotice` with the last id sent, ' +
      'then the stream ends (reconnect with Last-Event-ID);\n' +
      '- `event: error`: the feed failed; `data:` is a `LiveFeedNotice`, then the stream ends;\n' +
      '- comments (`: heartbeat`) to keep the connection open.',
    content: {
      'text/event-stream': {
        schema: {
          type: 'string',
          description: `Event stream; each data: line is JSON of ${REF}${messageSchema} or ${REF}LiveFeedNotice`,
        },
      },
    },
    headers: {
      'Cache-Control': {
        description: '`no-cache, no-transform`',
        required: true,
        schema: { type: 'string' },
      },
    },
  };
}

/** A live feed's own refusals: a malformed resume point or filter, too many open streams. */
export const LIVE_REFUSALS: Readonly<Record<number, RefusalDoc>> = {
  400: {
    description: 'Last-Event-ID is not an id this stream sent, or the type filter is malformed',
    codes: ['request.invalid-query'],
  },
  429: {
    description:
      'The principal already holds its share of live connections; a slot frees when one of them closes',
    codes: ['auth.too-many-live-connections'],
    headers: { 'Retry-After': RETRY_AFTER },
  },
};
