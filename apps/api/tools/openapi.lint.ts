// Checks docs/openapi.json (run by `npm run lint`): valid OpenAPI 3.1 by a
// standard validator, and every schema valid JSON Schema 2020-12 that compiles
// strictly (the OpenAPI 3.1 meta-schema does not look inside schemas).
import { readFileSync } from 'node:fs';
import { validate } from '@readme/openapi-parser';
import { OPENAPI_FILE } from './openapi.generator';
import { OpenApiSchemas } from './openapi.validator';

async function main(): Promise<void> {
  const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  const result = await validate(structuredClone(document));
  const problems = [
    ...(result.valid ? [] : result.errors.map((error) => error.message)),
    ...new OpenApiSchemas(document).schemaProblems(),
  ];
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exit(1);
  console.log(`${OPENAPI_FILE}: valid OpenAPI ${document.openapi}`);
}

void main();
