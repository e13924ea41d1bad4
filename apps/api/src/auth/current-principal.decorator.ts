import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { AuthenticationRequiredError, type Principal } from '@timeline/auth';

/** Where the global AuthGuard leaves the verified principal on the request. */
export interface RequestWithPrincipal {
  principal?: Principal;
}

/**
 * The authenticated principal of the request, as set on `request.principal` by
 * the AuthGuard. A route reached without one refuses with 401: no handler ever
 * runs on behalf of nobody.
 */
export function principalOf(request: unknown): Principal {
  const principal = (request as RequestWithPrincipal).principal;
  if (principal === undefined) {
    throw new AuthenticationRequiredError('auth.token-missing', 'A bearer token is required', null);
  }
  return principal;
}

/** On a `@Public()` route: the caller's principal when it sent a valid token, otherwise null. */
export const OptionalPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | null =>
    context.switchToHttp().getRequest<RequestWithPrincipal>().principal ?? null,
);

/** Injects the authenticated principal `{ subject, agency, roles }` into a route handler. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal =>
  principalOf(context.switchToHttp().getRequest()),
);
