import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import launchExample from '../events/catalogue/OperationLaunched/v1.example.json';
import joinExample from '../events/catalogue/AgencyJoined/v1.example.json';
import intelligenceV1Example from '../events/catalogue/IntelligenceReceived/v1.example.json';
import { OPENAPI_FILE, documentText } from '../apps/api/tools/openapi.generator';
import { OpenApiSchemas } from '../apps/api/tools/openapi.validator';
import type { Role } from '@timeline/auth';
import { startSecuredApp, type SecuredTestApp } from './support/auth.app';
import { bearerFor } from './support/auth.tokens';

/**
 * The OpenAPI document as a contract (README "API"): every route the router
 * serves is documented, the committed docs/openapi.json is what the api serves,
 * and every answer of a walk over every operation — happy paths and refusals —
 * is one the document describes: its status, content type, required headers and body.
 */

type Schema = Record<string, unknown>;
interface Operation {
  readonly parameters?: { name: string; in: string }[];
  readonly responses: Record<string, ResponseDoc>;
  readonly security?: unknown[];
}
interface ResponseDoc {
  readonly content?: Record<string, { schema?: Schema }>;
  readonly headers?: Record<string, { required?: boolean; schema?: Schema }>;
}
interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { schemas: Record<string, Schema> };
}

/** The UI's own routes (the page and its assets), the dashboard's, and CORS preflights: not operations of the api. */
const NOT_OPERATIONS = new Set([
  'GET /',
  'GET /dashboard/:asset',
  'GET /docs',
  'GET /docs/',
  'GET /docs/*',
  'GET /docs/index.html',
  'GET /docs/LICENSE',
  'GET /docs/swagger-ui-init.js',
  'GET /docs/docs/swagger-ui-init.js',
  'OPTIONS *',
]);

const LAUNCH_ID = '0190b000-0000-7000-8000-00000000c001';
const INTELLIGENCE_ID = '0190b000-0000-7000-8000-00000000c002';

type Caller = { readonly role: Role; readonly agency: string } | 'anonymous' | 'bad-token';

interface Call {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly as: Caller;
  readonly body?: unknown;
  /** Sent as is (the body is not JSON-encoded). */
  readonly rawBody?: { readonly contentType: string; readonly text: string };
  readonly headers?: Record<string, string>;
  /** A live feed: read until `until` holds, then hang up. */
  readonly live?: (text: string) => boolean;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

const recorder = { role: 'recorder', agency: 'NCA' } as const;
const analyst = { role: 'analyst', agency: 'NCA' } as const;
const auditor = { role: 'auditor', agency: 'NCA' } as const;
const admin = { role: 'admin', agency: 'NCA' } as const;
const outsider = { role: 'auditor', agency: 'GMP' } as const;
const outsiderAnalyst = { role: 'analyst', agency: 'GMP' } as const;

let reference = 0;
const threatToLife = (eventId?: string) => ({
  events: [
    {
      ...(eventId === undefined ? {} : { eventId }),
      type: 'ThreatToLifeMitigated',
      occurredAt: '2020-06-13T06:00:00Z',
      data: { ttlId: `TTL-CONTRACT-${++reference}`, action: 'warning-notice', force: 'NCA' },
    },
  ],
});
const hasData = (text: string) => /\ndata: /.test(`\n${text}`);

/** Happy paths and refusals of every operation; each operation also gets a call without a credential. */
function walk(): Call[] {
  const replayed = threatToLife('0190b000-0000-7000-8000-00000000c003');
  return [
    { method: 'GET', path: '/health', as: 'anonymous' },
    { method: 'GET', path: '/health/details', as: admin },
    { method: 'GET', path: '/health/details', as: analyst },
    { method: 'GET', path: '/auth/me', as: recorder },
    { method: 'GET', path: '/auth/me', as: 'bad-token' },

    { method: 'POST', path: '/operations/venetic/events', as: recorder, body: replayed },
    { method: 'POST', path: '/operations/venetic/events', as: recorder, body: replayed },
    { method: 'POST', path: '/operations/venetic/events', as: recorder, body: { events: [] } },
    {
      method: 'POST',
      path: '/operations/venetic/events',
      as: recorder,
      body: threatToLife(),
      headers: { 'if-match': '"0"' },
    },
    {
      method: 'POST',
      path: '/operations/venetic/events',
      as: recorder,
      body: {
        events: [{ type: 'OperationLaunched', occurredAt: '2020-03-26T09:00:00Z', data: launchExample }],
      },
    },
    {
      method: 'POST',
      path: '/operations/venetic/events',
      as: recorder,
      rawBody: { contentType: 'text/plain', text: 'hello' },
    },
    {
      method: 'POST',
      path: '/operations/venetic/events',
      as: recorder,
      rawBody: { contentType: 'application/json', text: '{"events": [' },
    },
    {
      method: 'POST',
      path: '/operations/venetic/events',
      as: recorder,
      rawBody: { contentType: 'application/json', text: `"${'x'.repeat(1024 * 1024 + 10)}"` },
    },
    {
      method: 'POST',
      path: '/operations/venetic/events',
      as: recorder,
      body: {
        events: [{ ...threatToLife().events[0], causationId: '0190b000-0000-7000-8000-0000000000ee' }],
      },
    },
    { method: 'POST', path: '/operations/venetic/events', as: analyst, body: threatToLife() },
    {
      method: 'POST',
      path: '/operations/venetic/events',
      as: { role: 'recorder', agency: 'GMP' },
      body: threatToLife(),
    },

    { method: 'GET', path: '/operations/venetic/events?direction=backwards&limit=2', as: auditor },
    { method: 'GET', path: '/operations/venetic/events?limit=0', as: auditor },
    { method: 'GET', path: '/operations/venetic/events', as: outsider },
    { method: 'GET', path: `/operations/venetic/events/${LAUNCH_ID}/lineage`, as: auditor },
    { method: 'GET', path: '/operations/venetic/events/not-a-uuid/lineage', as: auditor },
    {
      method: 'GET',
      path: '/operations/venetic/events/0190b000-0000-7000-8000-0000000000ff/lineage',
      as: auditor,
    },
    { method: 'GET', path: '/operations/venetic/verify', as: auditor },
    { method: 'GET', path: '/operations/venetic/export', as: auditor },
    { method: 'GET', path: '/operations/venetic/export', as: analyst },
    { method: 'GET', path: '/events?limit=2&type=OperationLaunched,IntelligenceReceived', as: auditor },
    { method: 'GET', path: '/events?type=NoSuchEvent', as: auditor },
    { method: 'GET', path: '/events?operationId=no-such-operation', as: auditor },
    { method: 'GET', path: '/verify', as: auditor },
    { method: 'GET', path: '/audit/access?limit=5', as: auditor },
    { method: 'GET', path: '/audit/access?limit=5000', as: auditor },
    { method: 'GET', path: '/audit/access?from=yesterday', as: auditor },

    { method: 'GET', path: '/metrics', as: admin },
    { method: 'GET', path: '/projections/timeline', as: admin },
    { method: 'GET', path: '/projections/no-such-projection', as: admin },
    { method: 'POST', path: '/projections/timeline/rebuild', as: admin },

    { method: 'GET', path: '/operations', as: recorder },
    { method: 'GET', path: '/operations?waitMs=soon', as: recorder },
    { method: 'GET', path: '/picture', as: analyst },
    { method: 'GET', path: '/operations/venetic/picture', as: analyst },
    { method: 'GET', path: '/operations/venetic/picture?view=sideways', as: analyst },
    { method: 'GET', path: '/operations/venetic/picture', as: outsiderAnalyst },
    { method: 'GET', path: '/operations/venetic/timeline?limit=2', as: analyst },
    { method: 'GET', path: '/operations/venetic/timeline?limit=0', as: analyst },
    { method: 'GET', path: '/operations/venetic/timeline/daily', as: analyst },
    { method: 'GET', path: `/operations/${'x'.repeat(101)}/timeline/daily`, as: analyst },

    { method: 'GET', path: '/events/live', as: analyst, headers: { 'last-event-id': '0' }, live: hasData },
    { method: 'GET', path: '/events/live', as: analyst, headers: { 'last-event-id': 'not a position' } },
    {
      method: 'GET',
      path: '/operations/venetic/timeline/live',
      as: analyst,
      headers: { 'last-event-id': '0' },
      live: hasData,
    },
    { method: 'GET', path: '/operations/venetic/timeline/live?type=bad_type', as: analyst },
    { method: 'GET', path: '/operations/venetic/picture/live', as: analyst, live: hasData },
    { method: 'GET', path: '/operations/venetic/picture/live', as: outsiderAnalyst },

    { method: 'GET', path: '/docs-json', as: analyst },
    { method: 'GET', path: '/docs-yaml', as: analyst },

    { method: 'POST', path: '/transparency/heads', as: auditor },
    { method: 'POST', path: '/transparency/heads', as: analyst },
    { method: 'GET', path: '/transparency', as: auditor },
    { method: 'GET', path: '/transparency/key', as: admin },
    { method: 'GET', path: '/transparency/heads/latest', as: auditor },
    { method: 'GET', path: '/transparency/consistency?from=1&to=3', as: auditor },
    { method: 'GET', path: '/transparency/consistency?from=x', as: auditor },
    { method: 'GET', path: `/operations/venetic/events/${LAUNCH_ID}/proof?treeSize=3`, as: auditor },
    { method: 'GET', path: `/operations/venetic/events/${LAUNCH_ID}/proof?treeSize=none`, as: auditor },
  ];
}

/** The document's path template and operation for a concrete request. */
function operationOf(document: OpenApiDocument, method: string, path: string) {
  const bare = path.split('?')[0];
  for (const [template, item] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = item[method.toLowerCase()];
    if (operation && pattern.test(bare)) return { template, operation };
  }
  return null;
}

/** Server-Sent Events frames: `event:` (default `message`) and the joined `data:` lines. */
function sseFrames(text: string): { event: string; data: string }[] {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line !== '' && !line.startsWith(':')))
    .filter((lines) => lines.some((line) => line.startsWith('data:')))
    .map((lines) => ({
      event:
        lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim() ?? 'message',
      data: lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n'),
    }));
}

/** What in an answer the document does not describe; empty when it conforms. */
function mismatches(
  document: OpenApiDocument,
  schemas: OpenApiSchemas,
  call: Call,
  answer: Answer,
): string[] {
  const found = operationOf(document, call.method, call.path);
  if (!found) return [`${call.method} ${call.path} is not a documented operation`];
  const problems: string[] = [];
  const documentedQuery = new Set(
    (found.operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
  );
  for (const name of new URLSearchParams(call.path.split('?')[1] ?? '').keys()) {
    if (!documentedQuery.has(name)) problems.push(`query parameter ${name} is not documented`);
  }
  const response = found.operation.responses[String(answer.status)];
  if (!response) return [...problems, `status ${answer.status} is not documented`];
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = answer.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) problems.push(`required header ${name} is missing`);
      continue;
    }
    if (header.schema) {
      for (const error of schemas.errors(header.schema, String(value))) {
        problems.push(`header ${name}: ${error.message}`);
      }
    }
  }
  const contentType = String(answer.headers['content-type'] ?? '')
    .split(';')[0]
    .trim();
  if (response.content === undefined) {
    if (answer.text !== '') problems.push(`a body (${contentType}) where none is documented`);
    return problems;
  }
  const media = response.content[contentType];
  if (!media) return [...problems, `content type ${contentType} is not documented`];
  if (contentType === 'application/json' || contentType === 'application/problem+json') {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return [...problems, 'the body is not JSON'];
    }
    for (const error of schemas.errors(media.schema ?? {}, body)) {
      problems.push(`body${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
    }
  } else if (contentType === 'text/event-stream') {
    // The stream's messages: default ones hold JSON of the first schema the documented stream names.
    const named = [...String(media.schema?.['description'] ?? '').matchAll(/#\/components\/schemas\/(\w+)/g)];
    const messageSchema = { $ref: `#/components/schemas/${named[0]?.[1]}` };
    const noticeSchema = { $ref: '#/components/schemas/LiveFeedNotice' };
    const frames = sseFrames(answer.text);
    if (call.live && frames.length === 0) problems.push('no message to check: the walk must read one');
    for (const frame of frames) {
      const schema = frame.event === 'message' ? messageSchema : noticeSchema;
      if (!['message', 'overflow', 'error'].includes(frame.event)) {
        problems.push(`undocumented event: ${frame.event}`);
      }
      for (const error of schemas.errors(schema, JSON.parse(frame.data))) {
        problems.push(`event ${frame.event} data${error.instancePath} ${error.message}`);
      }
    }
  } else if (media.schema) {
    for (const error of schemas.errors(media.schema, answer.text)) problems.push(`body ${error.message}`);
  }
  return problems;
}

describe('the OpenAPI document as a contract', () => {
  let api: SecuredTestApp;
  let port: number;
  let document: OpenApiDocument;
  let schemas: OpenApiSchemas;

  function authorization(caller: Caller): string | undefined {
    if (caller === 'anonymous') return undefined;
    if (caller === 'bad-token') return 'Bearer not.a.token';
    return bearerFor(caller);
  }

  function send(call: Call): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...call.headers };
      const auth = authorization(call.as);
      if (auth !== undefined) headers['authorization'] = auth;
      let payload: string | undefined;
      if (call.rawBody) {
        payload = call.rawBody.text;
        headers['content-type'] = call.rawBody.contentType;
      } else if (call.body !== undefined) {
        payload = JSON.stringify(call.body);
        headers['content-type'] = 'application/json';
      }
      const request = httpRequest(
        { host: '127.0.0.1', port, method: call.method, path: call.path, headers },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          const done = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text });
          response.on('data', (chunk: string) => {
            text += chunk;
            if (call.live && response.statusCode === 200 && call.live(text)) {
              // The frame in hand may continue: keep whole frames only.
              text = text.slice(0, text.lastIndexOf('\n\n') + 2);
              response.destroy();
              done();
            }
          });
          response.on('end', done);
          response.on('error', () => undefined);
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
      });
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }

  beforeAll(async () => {
    api = await startSecuredApp({
      RATE_LIMIT_REQUESTS: '100000',
      AUTH_FAILURES_LIMIT: '100000',
      SSE_MAX_CONNECTIONS_PER_PRINCIPAL: '10',
      TREE_HEAD_SIGNING_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      TREE_HEAD_INTERVAL_SECONDS: '0',
    });
    port = (api.app.getHttpServer().address() as AddressInfo).port;
    const setUp = await send({
      method: 'POST',
      path: '/operations/venetic/events',
      as: recorder,
      body: {
        events: [
          {
            eventId: LAUNCH_ID,
            type: 'OperationLaunched',
            occurredAt: '2020-03-26T09:00:00Z',
            data: launchExample,
          },
          { type: 'AgencyJoined', occurredAt: '2020-04-01T08:00:00Z', data: joinExample },
          {
            eventId: INTELLIGENCE_ID,
            type: 'IntelligenceReceived',
            schemaVersion: 1,
            occurredAt: '2020-04-02T08:00:00Z',
            data: intelligenceV1Example,
          },
        ],
      },
    });
    expect([setUp.status, setUp.text]).toEqual([201, expect.any(String)]);
    const served = await send({ method: 'GET', path: '/docs-json', as: analyst });
    document = JSON.parse(served.text) as OpenApiDocument;
    schemas = new OpenApiSchemas(document);
  }, 60_000);

  afterAll(() => api?.close());

  it('serves the committed docs/openapi.json (regenerate with npm run openapi)', () => {
    expect(documentText(document as never)).toBe(readFileSync(OPENAPI_FILE, 'utf8'));
  });

  it('documents every route the router serves, and no route it does not', () => {
    const served = new Set(
      api.routes
        .filter((route) => !NOT_OPERATIONS.has(route))
        .map((route) => route.replace(/:(\w+)/g, '{$1}')),
    );
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it('declares bearer security globally and leaves only the public routes open', () => {
    expect((document as unknown as { security: unknown }).security).toEqual([{ bearer: [] }]);
    const open = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => operation.security !== undefined && operation.security.length === 0)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(open.sort()).toEqual(['GET /docs-json', 'GET /docs-yaml', 'GET /health']);
  });

  it('describes every answer of a walk over every operation, happy paths and refusals', async () => {
    const calls = walk();
    // Every operation once more without a credential: 401 (or its answer, for a public one).
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item)) {
        const example = calls.find(
          (call) =>
            call.method === method.toUpperCase() &&
            operationOf(document, call.method, call.path)?.template === path,
        );
        if (example) calls.push({ ...example, as: 'anonymous', live: example.live });
        else calls.push({ method: method.toUpperCase() as Call['method'], path, as: 'anonymous' });
      }
    }
    const statuses = new Map<string, Set<number>>();
    const problems: string[] = [];
    for (const call of calls) {
      const answer = await send(call);
      const found = operationOf(document, call.method, call.path);
      const key = found ? `${call.method} ${found.template}` : `${call.method} ${call.path}`;
      statuses.set(key, (statuses.get(key) ?? new Set()).add(answer.status));
      for (const problem of mismatches(document, schemas, call, answer)) {
        problems.push(`${call.method} ${call.path.slice(0, 80)} → ${answer.status}: ${problem}`);
      }
    }
    if (process.env['OPENAPI_WALK_REPORT']) {
      console.log([...statuses].map(([key, seen]) => `${key}: ${[...seen].sort().join(' ')}`).join('\n'));
    }
    expect(problems).toEqual([]);
    // Each operation was seen answering a success and, unless it is public, a refusal.
    const unwalked = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method, operation]) => {
          const seen = [...(statuses.get(`${method.toUpperCase()} ${path}`) ?? [])];
          const isPublic = operation.security !== undefined && operation.security.length === 0;
          return !seen.some((status) => status < 300) || (!isPublic && !seen.some((status) => status >= 400));
        })
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(unwalked).toEqual([]);
  }, 120_000);
  it('describes the answer to any mix of documented query parameters, on every read', async () => {
    // Who may read each route, and a concrete path for it.
    const readers: Record<string, { path: string; as: Caller }> = {
      '/audit/access': { path: '/audit/access', as: auditor },
      '/events': { path: '/events', as: auditor },
      '/operations': { path: '/operations', as: recorder },
      '/picture': { path: '/picture', as: analyst },
      '/operations/{operationId}/events': { path: '/operations/venetic/events', as: auditor },
      '/operations/{operationId}/picture': { path: '/operations/venetic/picture', as: analyst },
      '/operations/{operationId}/timeline': { path: '/operations/venetic/timeline', as: analyst },
      '/operations/{operationId}/timeline/daily': { path: '/operations/venetic/timeline/daily', as: analyst },
    };
    const value = fc.oneof(
      fc.constantFrom('', '0', '1', '-1', '2', '1001', 'x', 'NCA', 'OperationLaunched', 'as-recorded'),
      fc.constantFrom('2020-06-13', '2020-06-13T05:30:00Z', '2020-13-45T99:00:00Z', 'backwards', 'a,b'),
      fc.string({ maxLength: 12 }),
    );
    for (const [template, reader] of Object.entries(readers)) {
      const names = (document.paths[template].get.parameters ?? [])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => parameter.name)
        // A wait for a position far ahead would only slow the run: waits are walked with existing positions.
        .filter((name) => name !== 'waitMs');
      expect([template, names.length > 0]).toEqual([template, true]);
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 3 }), async (query) => {
          const search = new URLSearchParams(
            Object.entries(query).map(([name, text]): [string, string] => [
              name,
              name === 'minPosition' ? text.slice(0, 1) : text,
            ]),
          );
          const call: Call = { method: 'GET', path: `${reader.path}?${search}`, as: reader.as };
          const answer = await send(call);
          expect([call.path, answer.status, mismatches(document, schemas, call, answer)]).toEqual([
            call.path,
            answer.status,
            [],
          ]);
        }),
        { numRuns: 25 },
      );
    }
  }, 120_000);
  it('describes the answer to any altered write', async () => {
    const event = fc.record({
      type: fc.constantFrom('ThreatToLifeMitigated', 'IntelligenceReceived', 'OperationLaunched', 'Nonsense'),
      schemaVersion: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      occurredAt: fc.constantFrom('2020-06-13T06:00:00Z', '2999-01-01T00:00:00Z', 'yesterday'),
      data: fc.oneof(
        fc.constant(intelligenceV1Example as Record<string, unknown>),
        fc.constant({ ttlId: 'TTL-PROPERTY', action: 'warning-notice', force: 'NCA' }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      ),
      classification: fc.option(fc.constantFrom('OFFICIAL', 'OFFICIAL-SENSITIVE', 'SECRET'), {
        nil: undefined,
      }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 0, maxLength: 3 }), async (events) => {
        const call: Call = {
          method: 'POST',
          path: '/operations/venetic/events',
          as: recorder,
          body: { events: events.map((item) => JSON.parse(JSON.stringify(item)) as unknown) },
        };
        const answer = await send(call);
        expect([answer.status, mismatches(document, schemas, call, answer)]).toEqual([answer.status, []]);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
