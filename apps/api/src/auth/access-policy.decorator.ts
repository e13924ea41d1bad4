import { SetMetadata, applyDecorators } from '@nestjs/common';
import type { Role } from '@timeline/auth';

/**
 * Who may call a route. Every route must declare one: the global guard refuses
 * a route without it (deny by default).
 */
export type AccessPolicy =
  { readonly kind: 'public' } | { readonly kind: 'roles'; readonly roles: readonly Role[] };

/** Which route parameter names the operation a route reads or writes. */
export interface OperationScope {
  readonly param: string;
  /**
   * Whether this request may name an operation that does not exist yet (a
   * recorder launching a new operation), judged on its body. Any other request
   * naming an operation the caller's agency takes no part in, existing or not,
   * gets the same 404.
   */
  readonly createsOperation?: (body: unknown) => boolean;
}

export const ACCESS_POLICY = 'timeline:access-policy';
export const OPERATION_SCOPE = 'timeline:operation-scope';
export const ACCESS_AUDIT = 'timeline:access-audit';

/** Open to anyone, without a credential: `/health` and the dashboard's page, which hold no operational data. */
export const Public = (): MethodDecorator & ClassDecorator =>
  SetMetadata<string, AccessPolicy>(ACCESS_POLICY, { kind: 'public' });

/** Open to authenticated principals holding at least one of these roles. */
export const Allow = (...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator =>
  SetMetadata<string, AccessPolicy>(ACCESS_POLICY, { kind: 'roles', roles });

/**
 * The route concerns one operation named by a route parameter: callers whose
 * agency takes no part in it get 404, exactly as for an operation that does not exist.
 */
export const ForOperation = (
  param = 'operationId',
  options: { createsOperation?: (body: unknown) => boolean } = {},
): MethodDecorator & ClassDecorator =>
  SetMetadata<string, OperationScope>(OPERATION_SCOPE, {
    param,
    ...(options.createsOperation === undefined ? {} : { createsOperation: options.createsOperation }),
  });

/** Records every granted call of the route in the access audit (who, what, when). */
export const AuditAccess = (action: string): MethodDecorator & ClassDecorator =>
  SetMetadata<string, string>(ACCESS_AUDIT, action);

/** `@Allow(...)` + `@ForOperation(...)` for the common case of a route under `/operations/:operationId`. */
export const AllowOnOperation = (
  roles: [Role, ...Role[]],
  options: { param?: string; createsOperation?: (body: unknown) => boolean } = {},
): MethodDecorator =>
  applyDecorators(
    Allow(...roles),
    ForOperation(options.param ?? 'operationId', { createsOperation: options.createsOperation }),
  );
