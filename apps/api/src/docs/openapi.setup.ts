import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { ApiConfig } from '../config/api.config';
import { buildOpenApiDocument } from './openapi.document';

/** Serves the OpenAPI document at /docs (UI), /docs-json and /docs-yaml (README "API"). */
export function setUpOpenApi(app: INestApplication, config: Pick<ApiConfig, 'maxBatchEvents'>): void {
  let document: OpenAPIObject | undefined;
  const documentFactory = (): OpenAPIObject =>
    (document ??= buildOpenApiDocument(app, config.maxBatchEvents));
  SwaggerModule.setup('docs', app, documentFactory, { jsonDocumentUrl: 'docs-json', useGlobalPrefix: false });
}
