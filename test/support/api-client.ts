import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Role } from '../../apps/api/src/auth/principal';

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
    return {
      'X-Principal-Subject': principal.subject ?? `${roles[0]}@${principal.agency}`.toLowerCase(),
      'X-Principal-Agency': principal.agency,
      'X-Principal-Roles': roles.join(','),
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
