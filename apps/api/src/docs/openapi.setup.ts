import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { ApiConfig } from '../config/api.config';
import { recordEventsSchemaComponents } from '../recording/record-events.openapi';

/** Serves the OpenAPI document at /docs (UI) and /docs-json, with every event type's data schema. */
export function setUpOpenApi(app: INestApplication, config: ApiConfig): void {
  const base = new DocumentBuilder()
    .setTitle('Operation Timeline')
    .setDescription(
      'Records a multi-agency law-enforcement operation as an immutable history of events. ' +
        'Errors are application/problem+json (RFC 9457) with a stable `code` and field-level `errors`.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  const documentFactory = (): OpenAPIObject => {
    const document = SwaggerModule.createDocument(app, base);
    const schemas = recordEventsSchemaComponents(config.maxBatchEvents) as NonNullable<
      OpenAPIObject['components']
    >['schemas'];
    document.components = {
      ...document.components,
      schemas: { ...document.components?.schemas, ...schemas },
    };
    return document;
  };
  SwaggerModule.setup('docs', app, documentFactory, { jsonDocumentUrl: 'docs-json', useGlobalPrefix: false });
}
