import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_CATALOGUE, EVENT_TYPES } from '@timeline/events';
import { OpenApiSchemas } from '../../tools/openapi.validator';
import { RECORD_EVENTS_REQUEST_SCHEMA_NAME, recordEventsSchemaComponents } from './record-events.openapi';

const CATALOGUE_DIR = join(__dirname, '..', '..', '..', '..', 'events', 'catalogue');
const example = (type: string, version: number): unknown =>
  JSON.parse(readFileSync(join(CATALOGUE_DIR, type, `v${version}.example.json`), 'utf8'));

const schemas = new OpenApiSchemas({ components: { schemas: recordEventsSchemaComponents(100) } });
const request = { $ref: `#/components/schemas/${RECORD_EVENTS_REQUEST_SCHEMA_NAME}` };
const accepts = (event: Record<string, unknown>): boolean =>
  schemas.errors(request, { events: [{ occurredAt: '2020-06-13T05:30:00Z', ...event }] }).length === 0;

const versions = EVENT_TYPES.flatMap((type) =>
  EVENT_CATALOGUE[type].versions.map(({ version }) => ({ type, version })),
);

/** The documented request takes what the server takes: every catalogue version, the current one by default. */
describe('the documented write request', () => {
  it.each(versions)('accepts $type v$version when it names its version', ({ type, version }) => {
    expect(accepts({ type, schemaVersion: version, data: example(type, version) })).toBe(true);
  });

  it.each(EVENT_TYPES.map((type) => ({ type })))(
    'takes $type without schemaVersion as the current version',
    ({ type }) => {
      const current = EVENT_CATALOGUE[type].currentVersion;
      expect(accepts({ type, data: example(type, current) })).toBe(true);
    },
  );

  it('refuses an older version’s data sent as the current version, and a version that does not exist', () => {
    const older = versions.filter(({ type, version }) => version < EVENT_CATALOGUE[type].currentVersion);
    expect(older.length).toBeGreaterThan(0);
    for (const { type, version } of older) {
      expect([type, accepts({ type, data: example(type, version) })]).toEqual([type, false]);
    }
    for (const type of EVENT_TYPES) {
      const next = EVENT_CATALOGUE[type].currentVersion + 1;
      expect([type, accepts({ type, schemaVersion: next, data: example(type, next - 1) })]).toEqual([
        type,
        false,
      ]);
    }
  });

  it('refuses fields the server does not take', () => {
    const type = 'OperationLaunched';
    expect(accepts({ type, data: example(type, 1), recordedBy: 'someone-else' })).toBe(false);
  });
});
