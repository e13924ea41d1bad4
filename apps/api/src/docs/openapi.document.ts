import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import {
  ACCESS_POLICY,
  OPERATION_SCOPE,
  type AccessPolicy,
  type OperationScope,
} from '../auth/access-policy.decorator';
import { recordEventsSchemaComponents } from '../recording/record-events.openapi';
import {
  AUTHENTICATED_ROUTE_REFUSALS,
  BODY_ROUTE_REFUSALS,
  CORRELATION_ID_HEADER_DOC,
  EVERY_ROUTE_REFUSALS,
  OPERATION_NOT_FOUND,
  PROBLEM_SCHEMA,
  PROBLEM_SCHEMA_NAME,
  problemResponse,
  type RefusalDoc,
} from '../http/problems.openapi';
import { RESPONSE_SCHEMAS } from './response-schemas.generated';

type Schema = Record<string, unknown>;
type Operation = {
  operationId?: string;
  description?: string;
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  parameters?: { name: string; in: string }[];
  responses: Record<string, Schema>;
};

export const BEARER_SCHEME = 'bearer';

/** Accepted by every route: echoed in the response and the logs, stamped on recorded events. */
const CORRELATION_ID_PARAMETER = {
  name: 'X-Correlation-Id',
  in: 'header',
  required: false,
  description: 'Echoed as X-Correlation-Id; one is chosen when absent or malformed',
  schema: { type: 'string' },
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/** What the access policy says of a route (docs/architecture.md §7): who may call it, and whether it names an operation. */
interface RouteAccess {
  readonly policy: AccessPolicy | undefined;
  readonly scope: OperationScope | undefined;
}

/** Every controller method's access policy, by the operationId Nest's document gives it (`<Controller>_<method>`). */
function routeAccessByOperationId(app: INestApplication): Map<string, RouteAccess> {
  const byId = new Map<string, RouteAccess>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        byId.set(`${controller.name}_${name}`, {
          policy:
            Reflect.getMetadata(ACCESS_POLICY, handler) ?? Reflect.getMetadata(ACCESS_POLICY, controller),
          scope:
            Reflect.getMetadata(OPERATION_SCOPE, handler) ?? Reflect.getMetadata(OPERATION_SCOPE, controller),
        });
      }
    }
  }
  return byId;
}

/**
 * Adds the refusals to an operation. Where the route documents its own answer for
 * that status, the codes are added to its description and the problem document to
 * its content (GET /health answers 503 with its report, or with a problem while shutting down).
 */
function addRefusals(operation: Operation, refusals: Readonly<Record<number, RefusalDoc>>): void {
  for (const [status, refusal] of Object.entries(refusals)) {
    const existing = operation.responses[status];
    if (existing === undefined) {
      operation.responses[status] = problemResponse(refusal);
      continue;
    }
    const extra = refusal.codes.filter((code) => !String(existing['description']).includes(`\`${code}\``));
    if (extra.length > 0) {
      existing['description'] =
        `${String(existing['description'])} Also: ${extra.map((code) => `\`${code}\``).join(', ')}.`;
    }
    const content = (existing['content'] ?? {}) as Schema;
    existing['content'] = { ...(problemResponse(refusal)['content'] as Schema), ...content };
  }
}

/** Completes one operation: its security, the refusals every route of its kind shares, the correlation header. */
function completeOperation(operation: Operation, access: RouteAccess | undefined): void {
  if (access?.policy?.kind === 'public') {
    operation.security = [];
  } else {
    if (access?.policy?.kind === 'roles') {
      const roles = `Roles: ${access.policy.roles.join(', ')}.`;
      operation.description = operation.description ? `${operation.description}\n\n${roles}` : roles;
    }
    addRefusals(operation, AUTHENTICATED_ROUTE_REFUSALS);
  }
  if (access?.scope) addRefusals(operation, { 404: OPERATION_NOT_FOUND });
  if (operation.requestBody !== undefined) addRefusals(operation, BODY_ROUTE_REFUSALS);
  if (!(operation.parameters ?? []).some((parameter) => parameter.name === CORRELATION_ID_PARAMETER.name)) {
    operation.parameters = [...(operation.parameters ?? []), CORRELATION_ID_PARAMETER];
  }
  addRefusals(operation, EVERY_ROUTE_REFUSALS);
  for (const response of Object.values(operation.responses)) {
    const headers = (response['headers'] ?? {}) as Schema;
    response['headers'] = { 'X-Correlation-Id': CORRELATION_ID_HEADER_DOC, ...headers };
  }
  operation.responses = Object.fromEntries(
    Object.entries(operation.responses).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** The document itself, served at /docs-json (and as YAML at /docs-yaml). */
function documentRoutes(): Record<string, Schema> {
  const route = (summary: string, mediaType: string, schema: Schema): Schema => ({
    get: {
      operationId: `OpenApi_${mediaType === 'application/json' ? 'json' : 'yaml'}`,
      tags: ['docs'],
      summary,
      responses: {
        '200': { description: 'The OpenAPI document', content: { [mediaType]: { schema } } },
      },
    },
  });
  return {
    '/docs-json': route('This OpenAPI document, as JSON', 'application/json', {
      type: 'object',
      required: ['openapi', 'info', 'paths'],
    }),
    '/docs-yaml': route('This OpenAPI document, as YAML', 'text/yaml', { type: 'string' }),
  };
}

/**
 * The OpenAPI 3.1 document of the api: every operation with its success bodies
 * (schemas generated from the types the handlers return, see responses.openapi.ts),
 * its refusals as problem documents with their codes, bearer security everywhere
 * but on public routes, and the write API's request schemas from the event
 * catalogue (JSON Schema 2020-12, as 3.1 takes them).
 */
export function buildOpenApiDocument(app: INestApplication, maxBatchEvents: number): OpenAPIObject {
  const base = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Operation Timeline')
    .setDescription(
      'Records a multi-agency law-enforcement operation as an immutable history of events. ' +
        'Every route but `/health` and this document (`/docs`, `/docs-json`, `/docs-yaml`) needs a bearer JWT. Refusals are application/problem+json (RFC 9457) with a ' +
        'stable `code` and field-level `errors`; each response below lists the codes it may carry.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .addSecurityRequirements(BEARER_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, base);
  document.paths = { ...document.paths, ...(documentRoutes() as OpenAPIObject['paths']) };
  const access = routeAccessByOperationId(app);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (operation === undefined) continue;
      completeOperation(
        operation,
        // The document itself is public (auth.bootstrap.ts, NON_CONTROLLER_ROUTES): it holds no operational data.
        path.startsWith('/docs-')
          ? { policy: { kind: 'public' }, scope: undefined }
          : access.get(operation.operationId ?? ''),
      );
    }
  }
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      ...(recordEventsSchemaComponents(maxBatchEvents) as Record<string, object>),
      ...(RESPONSE_SCHEMAS as Record<string, object>),
      [PROBLEM_SCHEMA_NAME]: PROBLEM_SCHEMA,
    },
  };
  return document;
}
