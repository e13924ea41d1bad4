/**
 * A typed client of the api, generated from its OpenAPI document (docs/openapi.json,
 * `npm run openapi`): request paths, parameters, bodies and answers are checked by
 * the compiler. Runs wherever `fetch` does: browsers (the dashboard), Node, tests.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './openapi.generated';

export type { components, paths } from './openapi.generated';

/** The document's schemas by name, e.g. `Schemas['Timeline']`, `Schemas['Problem']`. */
export type Schemas = components['schemas'];

export type TimelineApiClient = Client<paths>;

export interface TimelineApiClientOptions {
  /** Where the api is served, e.g. `https://timeline.example` (no trailing slash). */
  readonly baseUrl: string;
  /** The bearer token, or a function giving the current one (called per request). */
  readonly token?: string | (() => string | Promise<string>);
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

/** A client of every documented operation: `client.GET('/operations/{operationId}/timeline', { params })`. */
export function createTimelineApiClient(options: TimelineApiClientOptions): TimelineApiClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  const { token } = options;
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        request.headers.set('Authorization', `Bearer ${typeof token === 'string' ? token : await token()}`);
        return request;
      },
    });
  }
  return client;
}
