// Writes docs/openapi.json: the document the api serves at /docs-json, built
// from a real instance of the app (on a throw-away store, never listening).
// Run with `npm run openapi`; test/openapi-contract.e2e-spec.ts fails when the
// committed file differs from what the api serves.
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { generateKeyPairSync } from 'node:crypto';
import { createApp } from '../src/app.factory';
import { readAuthConfiguration } from '../src/auth/auth.config';
import { loadApiConfig } from '../src/config/api.config';
import { buildOpenApiDocument } from '../src/docs/openapi.document';

export const OPENAPI_FILE = join(__dirname, '..', '..', '..', 'docs', 'openapi.json');

/** The document as committed: two-space JSON with a final newline. */
export function documentText(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The document of the api with its default configuration. */
export async function defaultDocument(): Promise<OpenAPIObject> {
  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-openapi-'));
  const config = loadApiConfig({ LOG_LEVEL: 'error', DATA_DIR: dataDir });
  const app = await createApp(config, {
    // Any trusted key will do: the document does not depend on who may call.
    auth: readAuthConfiguration(
      {
        AUTH_MODE: 'jwt',
        AUTH_JWT_PUBLIC_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .publicKey.export({ type: 'spki', format: 'pem' })
          .toString(),
        AUTH_ISSUER: 'https://idp.example',
        AUTH_AUDIENCE: 'operation-timeline',
      },
      dataDir,
    ),
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
  });
  try {
    return buildOpenApiDocument(app, config.maxBatchEvents);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  writeFileSync(OPENAPI_FILE, documentText(await defaultDocument()));
  console.log(`wrote ${OPENAPI_FILE}`);
}

if (require.main === module) void main();
