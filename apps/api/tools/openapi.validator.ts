import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown>;
const DOCUMENT_ID = 'https://operation-timeline.invalid/openapi.json';

/**
 * JSON Schema 2020-12 validation of values against an OpenAPI 3.1 document's
 * schemas (ajv): refs `#/components/schemas/…` resolve within the document.
 */
export class OpenApiSchemas {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: { components?: { schemas?: Record<string, Schema> } }) {
    this.ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
    addFormats(this.ajv);
    // OpenAPI's own annotations on schemas (3.1 §4.8.24).
    for (const keyword of ['example', 'discriminator', 'xml', 'externalDocs']) this.ajv.addKeyword(keyword);
    this.ajv.addSchema({ $id: DOCUMENT_ID, $defs: rebase(document.components?.schemas ?? {}) as Schema });
  }

  /** Problems of each component schema against the JSON Schema 2020-12 meta-schema, and compile errors. */
  schemaProblems(): string[] {
    const problems: string[] = [];
    for (const [name, schema] of Object.entries(this.document.components?.schemas ?? {})) {
      if (!this.ajv.validateSchema(schema)) problems.push(`${name}: ${this.ajv.errorsText(this.ajv.errors)}`);
      try {
        this.validator({ $ref: `#/components/schemas/${name}` });
      } catch (error: unknown) {
        problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return problems;
  }

  /** Validates a value against a schema of the document (one that may hold `#/components/schemas/…` refs). */
  errors(schema: Schema, value: unknown): ErrorObject[] {
    const validate = this.validator(schema);
    return validate(value) ? [] : [...(validate.errors ?? [])];
  }

  private validator(schema: Schema): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(rebase(schema) as Schema);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

/** Points the document's `#/components/schemas/X` refs at the copy held under the registered document. */
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/schemas/')
        ? `${DOCUMENT_ID}#/$defs/${inner.slice('#/components/schemas/'.length)}`
        : rebase(inner),
    ]),
  );
}
