// Writes events/catalogue/<Type>/v<N>.schema.json from the data classes.
// Run with `npm run events:schemas`; a unit test fails when the committed files
// differ from what this would write.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_CATALOGUE, EVENT_TYPES, eventDataJsonSchema } from '../src';

export const CATALOGUE_DIR = join(__dirname, '..', 'catalogue');

export function schemaFilePath(type: string, version: number): string {
  return join(CATALOGUE_DIR, type, `v${version}.schema.json`);
}

export function examplePath(type: string, version: number): string {
  return join(CATALOGUE_DIR, type, `v${version}.example.json`);
}

function main(): void {
  let written = 0;
  for (const type of EVENT_TYPES) {
    for (const { version } of EVENT_CATALOGUE[type].versions) {
      mkdirSync(join(CATALOGUE_DIR, type), { recursive: true });
      writeFileSync(
        schemaFilePath(type, version),
        `${JSON.stringify(eventDataJsonSchema(type, version), null, 2)}\n`,
      );
      written += 1;
    }
  }
  console.log(`wrote ${written} schemas under ${CATALOGUE_DIR}`);
}

if (require.main === module) main();
