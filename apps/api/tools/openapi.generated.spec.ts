import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESPONSE_SCHEMAS_FILE, responseSchemasSource } from './response-schemas.generator';

const ROOT = join(__dirname, '..', '..', '..');
const CLIENT_TYPES_FILE = join(ROOT, 'libs', 'api-client', 'src', 'openapi.generated.ts');

/** The generated files are committed; each is what `npm run openapi` would write now. */
describe('generated OpenAPI artefacts are up to date (npm run openapi)', () => {
  it('response schemas follow the types the handlers return', () => {
    expect(responseSchemasSource()).toBe(readFileSync(RESPONSE_SCHEMAS_FILE, 'utf8'));
  });

  it('the typed client follows docs/openapi.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timeline-client-'));
    try {
      const output = join(dir, 'openapi.generated.ts');
      execFileSync(
        join(ROOT, 'node_modules', '.bin', 'openapi-typescript'),
        [join(ROOT, 'docs', 'openapi.json'), '--default-non-nullable', 'false', '-o', output],
        { stdio: 'ignore' },
      );
      expect(readFileSync(output, 'utf8')).toBe(readFileSync(CLIENT_TYPES_FILE, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
