import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Role } from '@timeline/auth';
import { bearerFor } from './auth.tokens';

export interface TestPrincipal {
  readonly role: Role | readonly Role[];
  readonly agency: string;
  /** Defaults to `<role>@<agency>`, lower case. */
  readonly subject?: string;
}

/**
 * Every e2e test reaches the api through this helper, so that how a request is
 * authenticated is decided in one place.
 */
export function apiClient(app: INestApplication) {
  const server = app.getHttpServer();
  const agent = request(server);
  const credentialsFor = (principal: TestPrincipal): Record<string, string> => {
    const roles = [principal.role].flat();
    // A real token signed with the key the test app trusts: every e2e suite goes through real authentication.
    return {
      Authorization: bearerFor({
        ...principal,
        subject: principal.subject ?? `${roles[0]}@${principal.agency}`.toLowerCase(),
      }),
    };
  };
  const withHeaders = (headers: Record<string, string>) => ({
    get: (path: string) => agent.get(path).set(headers),
    post: (path: string) => agent.post(path).set(headers),
    put: (path: string) => agent.put(path).set(headers),
    delete: (path: string) => agent.delete(path).set(headers),
    patch: (path: string) => agent.patch(path).set(headers),
  });
  return {
    /** As an authenticated principal. */
    as: (principal: TestPrincipal) => withHeaders(credentialsFor(principal)),
    /** Without any credential. */
    anonymous: () => withHeaders({}),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
